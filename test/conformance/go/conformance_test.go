// Package suite builds the upstream Gateway API conformance suite (v1.6.3) as one test binary for
// Causeway's conformance run (test/conformance/run-conformance.ts). It holds no tests of its own: the
// single entry hands over to the upstream runner, which reads the suite's flags (-gateway-class,
// -supported-features, -report-output, ...).
package suite_test

import (
	"testing"

	"sigs.k8s.io/gateway-api/conformance"
)

func TestConformance(t *testing.T) {
	conformance.RunConformance(t)
}
