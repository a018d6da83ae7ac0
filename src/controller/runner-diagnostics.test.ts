import { diagnostic, type Diagnostic } from '../errors.js';
import { RunnerDiagnostics } from './runner-diagnostics.js';

const svcRef = (name: string) => ({ kind: 'Service', namespace: 'default', name }) as const;
const noEndpoints = (name: string): Diagnostic =>
  diagnostic('CW_E_ENDPOINTS_NONE', svcRef(name), `Service default/${name} has no endpoints`);
const badAnnotation = (name: string): Diagnostic =>
  diagnostic('CW_E_ANNOTATION_INVALID', { kind: 'Ingress', namespace: 'default', name }, 'bad value');

describe('RunnerDiagnostics', () => {
  test('the same arrays again change nothing; equal content keeps the same all() array', () => {
    const d = new RunnerDiagnostics();
    const source: Diagnostic[] = [];
    const translated = [noEndpoints('b'), badAnnotation('a')];
    expect(d.set(source, translated)).toEqual({
      changed: true,
      added: [badAnnotation('a'), noEndpoints('b')],
    });
    const all = d.all();
    expect(d.set(source, d.translation())).toEqual({ changed: false, added: [] });
    expect(d.set([], [badAnnotation('a'), noEndpoints('b')])).toEqual({ changed: false, added: [] });
    expect(d.all()).toBe(all);
  });

  test('added lists only the diagnostics that were not there before', () => {
    const d = new RunnerDiagnostics();
    d.set([], [noEndpoints('b')]);
    const change = d.set([badAnnotation('x')], [noEndpoints('b'), noEndpoints('c')]);
    expect(change).toEqual({ changed: true, added: [badAnnotation('x'), noEndpoints('c')] });
    expect(d.all()).toEqual([badAnnotation('x'), noEndpoints('b'), noEndpoints('c')]);
    expect(d.set([], [noEndpoints('b')])).toEqual({ changed: true, added: [] });
    expect(d.all()).toEqual([noEndpoints('b')]);
  });

  test('the same diagnostics a different number of times is a change', () => {
    const d = new RunnerDiagnostics();
    d.set([], [noEndpoints('b'), noEndpoints('b'), badAnnotation('a')]);
    const change = d.set([], [noEndpoints('b'), badAnnotation('a'), badAnnotation('a')]);
    expect(change).toEqual({ changed: true, added: [] });
    expect(d.all()).toEqual([badAnnotation('a'), badAnnotation('a'), noEndpoints('b')]);
  });

  test('withEndpointDiagnostics keeps translation() unless a touched Service had or gets one', () => {
    const d = new RunnerDiagnostics();
    d.set([], [noEndpoints('b'), badAnnotation('a')]);
    const held = d.translation();
    expect(d.withEndpointDiagnostics(new Set(['default/a']), [])).toBe(held);
    expect(d.withEndpointDiagnostics(new Set(['default/b']), [])).toEqual([badAnnotation('a')]);
    expect(d.withEndpointDiagnostics(new Set(['default/a']), [noEndpoints('a')])).toEqual([
      ...held,
      noEndpoints('a'),
    ]);
  });
});
