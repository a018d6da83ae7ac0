// Command otlp-receiver is a minimal OpenTelemetry Collector for Causeway's tracing e2e test: the
// collector's own OTLP receiver (go.opentelemetry.io/collector/receiver/otlpreceiver, OTLP over gRPC)
// whose pipeline ends in an exporter that writes each batch of spans it receives to stdout as one
// line of OTLP JSON (the collector's JSON encoding of ExportTraceServiceRequest).
//
//	otlp-receiver -grpc 127.0.0.1:4317
//
// It prints "ready <address>" on stdout once the receiver listens, then one JSON line per batch,
// and stops on SIGTERM or SIGINT.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/receiver/receivertest"
)

// stdoutExporter writes each batch as one line of OTLP JSON; lines never interleave.
type stdoutExporter struct {
	mu        sync.Mutex
	marshaler ptrace.JSONMarshaler
}

func (e *stdoutExporter) consume(_ context.Context, td ptrace.Traces) error {
	b, err := e.marshaler.MarshalTraces(td)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	_, err = os.Stdout.Write(append(b, '\n'))
	return err
}

func run(endpoint string) error {
	factory := otlpreceiver.NewFactory()
	cfg := factory.CreateDefaultConfig()
	// Only OTLP over gRPC, on the given address (the HTTP protocol stays off).
	conf := confmap.NewFromStringMap(map[string]any{
		"protocols": map[string]any{"grpc": map[string]any{"endpoint": endpoint}},
	})
	if err := conf.Unmarshal(cfg); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	exporter := &stdoutExporter{}
	next, err := consumer.NewTraces(exporter.consume)
	if err != nil {
		return err
	}
	settings := receivertest.NewNopSettings(factory.Type())
	r, err := factory.CreateTraces(context.Background(), settings, cfg, next)
	if err != nil {
		return fmt.Errorf("create receiver: %w", err)
	}
	if err := r.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		return fmt.Errorf("start receiver: %w", err)
	}
	fmt.Printf("ready %s\n", endpoint)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
	return r.Shutdown(context.Background())
}

func main() {
	endpoint := flag.String("grpc", "127.0.0.1:4317", "address of the OTLP gRPC receiver")
	flag.Parse()
	if err := run(*endpoint); err != nil {
		fmt.Fprintf(os.Stderr, "otlp-receiver: %v\n", err)
		os.Exit(1)
	}
}
