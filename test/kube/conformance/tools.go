//go:build tools

// Package tools pins the programs of the Gateway API conformance module the tests build: `go build`
// of these import paths from this module uses the versions in go.mod / go.sum.
package tools

import (
	_ "sigs.k8s.io/gateway-api/conformance/echo-basic"
)
