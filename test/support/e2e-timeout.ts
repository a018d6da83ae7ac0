/**
 * Jest setup of the e2e project: end-to-end tests start real Envoys, apiservers and moto, so each test
 * may take up to 60 s unless it says otherwise (Jest ignores `testTimeout` inside a project's config).
 */
import { jest } from '@jest/globals';

jest.setTimeout(60_000);
