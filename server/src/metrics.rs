//! Prometheus metrics. Labels are the method, the route template and the status: never a
//! path parameter, a TAN, an address or anything else a client sent. They count the public
//! listener only, and only the operator's metrics listener serves them: the upload and TAN
//! counters tell the second each case uploads.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct RequestLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct EventLabels {
    pub event: &'static str,
}

/// The server's metrics and their registry.
pub(crate) struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub events: Family<EventLabels, Counter>,
    pub in_flight: Gauge,
    pub connections: Gauge,
}

/// Holds one request in the in-flight gauge until dropped, also when the request is cancelled.
pub(crate) struct InFlight(Gauge);

impl InFlight {
    pub fn new(gauge: &Gauge) -> Self {
        gauge.inc();
        Self(gauge.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("venuecode");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by method, route template and status",
            requests.clone(),
        );
        let events = Family::<EventLabels, Counter>::default();
        registry.register(
            "events",
            "Stored artefacts and refusals by kind",
            events.clone(),
        );
        let in_flight = Gauge::default();
        registry.register(
            "http_requests_in_flight",
            "HTTP requests the public listener is serving now",
            in_flight.clone(),
        );
        let connections = Gauge::default();
        registry.register(
            "connections_open",
            "Client connections open now on the public listener, TLS handshakes included",
            connections.clone(),
        );
        Self {
            registry,
            requests,
            events,
            in_flight,
            connections,
        }
    }

    /// Counts one event (`venue_registered`, `batch_stored`, `upload_stored`, ...).
    pub fn event(&self, event: &'static str) {
        self.events.get_or_create(&EventLabels { event }).inc();
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}
