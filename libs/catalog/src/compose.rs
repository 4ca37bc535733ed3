//! Renders compose/docker-compose.yml: Postgres, Redis, every implemented service, and the
//! optional observability profile.

use crate::catalog::Catalog;
use crate::model::ServiceEntry;
use crate::yaml::{Yaml, flow, int, list, map, s};
use crate::{GENERATED_HEADER, IMAGE_NAME, POSTGRES_PORT, REDIS_PORT};

/// Where the binary writes the secrets that the services share.
pub const SECRETS_DIR: &str = "/var/lib/quorum/secrets";
/// The image's state directory.
pub const STATE_DIR: &str = "/var/lib/quorum";
/// The binary in that image; its first argument names the service.
pub const BINARY: &str = "/usr/local/bin/quorum";

/// Converts a Kubernetes memory quantity (`"128Mi"`, `"1Gi"`) to a compose one (`"128m"`, `"1g"`).
pub fn memory_for_compose(quantity: &str) -> Option<String> {
    let (number, unit) = if let Some(n) = quantity.strip_suffix("Mi") {
        (n, "m")
    } else {
        (quantity.strip_suffix("Gi")?, "g")
    };
    let valid = !number.is_empty() && number.chars().all(|c| c.is_ascii_digit());
    valid.then(|| format!("{number}{unit}"))
}

/// The whole compose file.
pub fn render(catalog: &Catalog) -> String {
    let mut services = vec![
        ("postgres".to_string(), postgres()),
        ("redis".to_string(), redis()),
    ];
    for service in catalog.implemented() {
        services.push((service.name.clone(), quorum_service(service)));
    }
    services.extend(observability());
    let doc = map([
        ("services", Yaml::Map(services)),
        (
            "volumes",
            map([
                ("postgres-data", map::<String>([])),
                ("redis-data", map::<String>([])),
                ("quorum-secrets", map::<String>([])),
            ]),
        ),
    ]);
    format!("{GENERATED_HEADER}\n{}", doc.render())
}

fn healthcheck(test: Yaml) -> Yaml {
    map([
        ("test", test),
        ("interval", s("5s")),
        ("timeout", s("3s")),
        ("retries", int(12)),
        ("start_period", s("10s")),
    ])
}

fn postgres() -> Yaml {
    map([
        ("image", s("${QUORUM_POSTGRES_IMAGE:-postgres:16}")),
        (
            "environment",
            map([
                ("POSTGRES_USER", s("quorum")),
                ("POSTGRES_PASSWORD", s("${QUORUM_DB_PASSWORD:-quorum-dev}")),
                ("POSTGRES_DB", s("quorum")),
            ]),
        ),
        (
            "volumes",
            list([s("postgres-data:/var/lib/postgresql/data")]),
        ),
        (
            "healthcheck",
            healthcheck(flow(["CMD", "pg_isready", "-U", "quorum", "-d", "quorum"])),
        ),
        ("restart", s("unless-stopped")),
        ("mem_limit", s("512m")),
    ])
}

fn redis() -> Yaml {
    map([
        ("image", s("${QUORUM_REDIS_IMAGE:-redis:7}")),
        ("command", flow(["redis-server", "--appendonly", "yes"])),
        ("volumes", list([s("redis-data:/data")])),
        (
            "healthcheck",
            healthcheck(flow(["CMD", "redis-cli", "ping"])),
        ),
        ("restart", s("unless-stopped")),
        ("mem_limit", s("256m")),
    ])
}

fn quorum_service(service: &ServiceEntry) -> Yaml {
    let bind = |port: u16| s(format!("${{QUORUM_BIND:-127.0.0.1}}:{port}:{port}"));
    let memory = memory_for_compose(&service.resources.memory_limit)
        .unwrap_or_else(|| service.resources.memory_limit.clone());
    map([
        // One image for every service: the command names the service it runs.
        ("image", s(format!("{IMAGE_NAME}:${{QUORUM_TAG:-dev}}"))),
        (
            "build",
            map([
                ("context", s("..")),
                ("dockerfile", s("compose/Dockerfile")),
                (
                    "args",
                    map([
                        (
                            "BUILDER_IMAGE",
                            s("${QUORUM_BUILDER_IMAGE:-rust:1.95-bookworm}"),
                        ),
                        (
                            "RUNTIME_IMAGE",
                            s("${QUORUM_RUNTIME_IMAGE:-gcr.io/distroless/cc-debian12:nonroot}"),
                        ),
                        ("PROFILE", s("${QUORUM_BUILD_PROFILE:-release}")),
                    ]),
                ),
            ]),
        ),
        ("command", flow([service.name.as_str()])),
        ("environment", Yaml::Map(environment(service))),
        (
            "ports",
            list([bind(service.grpc_port), bind(service.admin_port)]),
        ),
        (
            "healthcheck",
            healthcheck(flow(["CMD", BINARY, service.name.as_str(), "healthcheck"])),
        ),
        ("depends_on", Yaml::Map(depends_on(service))),
        ("restart", s("unless-stopped")),
        ("mem_limit", s(memory)),
        ("read_only", Yaml::Bool(true)),
        ("tmpfs", list([s("/tmp")])),
        (
            "volumes",
            list([s(format!("quorum-secrets:{SECRETS_DIR}"))]),
        ),
    ])
}

fn environment(service: &ServiceEntry) -> Vec<(String, Yaml)> {
    let mut env = vec![
        ("QUORUM_DISCOVERY", s("dns")),
        (
            "QUORUM_GRPC_ADDR",
            s(format!("0.0.0.0:{}", service.grpc_port)),
        ),
        (
            "QUORUM_ADMIN_ADDR",
            s(format!("0.0.0.0:{}", service.admin_port)),
        ),
        ("RUST_LOG", s("${RUST_LOG:-info}")),
        (
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            s("${OTEL_EXPORTER_OTLP_ENDPOINT:-}"),
        ),
        ("QUORUM_STATE_DIR", s(STATE_DIR)),
    ];
    if service.postgres {
        env.push((
            "DATABASE_URL",
            s(format!(
                "postgres://quorum:${{QUORUM_DB_PASSWORD:-quorum-dev}}@postgres:{POSTGRES_PORT}/quorum"
            )),
        ));
    }
    if service.redis {
        env.push(("REDIS_URL", s(format!("redis://redis:{REDIS_PORT}"))));
    }
    if service.name == "auth-manager" {
        // Empty means: auth-manager generates an admin password on first start.
        env.push(("QUORUM_ADMIN_PASSWORD", s("${QUORUM_ADMIN_PASSWORD:-}")));
    }
    let mut env: Vec<(String, Yaml)> = env.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    for (name, default) in &service.env {
        env.push((name.clone(), s(format!("${{{name}:-{default}}}"))));
    }
    env
}

fn depends_on(service: &ServiceEntry) -> Vec<(String, Yaml)> {
    let healthy = || map([("condition", s("service_healthy"))]);
    let mut deps = Vec::new();
    if service.postgres {
        deps.push(("postgres".to_string(), healthy()));
    }
    if service.redis {
        deps.push(("redis".to_string(), healthy()));
    }
    // Hard dependencies of an implemented service are implemented (validated), so present.
    for dep in &service.hard_deps {
        deps.push((dep.clone(), healthy()));
    }
    deps
}

fn observability() -> Vec<(String, Yaml)> {
    let profile = || flow(["observability"]);
    let port = |port: u16| list([s(format!("${{QUORUM_BIND:-127.0.0.1}}:{port}:{port}"))]);
    let collector = map([
        (
            "image",
            s("${QUORUM_OTEL_COLLECTOR_IMAGE:-otel/opentelemetry-collector-contrib:0.114.0}"),
        ),
        ("profiles", profile()),
        (
            "command",
            flow(["--config=/etc/otelcol-contrib/config.yaml"]),
        ),
        (
            "volumes",
            list([s(
                "./observability/otel-collector.yaml:/etc/otelcol-contrib/config.yaml:ro",
            )]),
        ),
        ("ports", port(4317)),
        ("depends_on", list([s("jaeger")])),
        ("restart", s("unless-stopped")),
        ("mem_limit", s("256m")),
    ]);
    let jaeger = map([
        (
            "image",
            s("${QUORUM_JAEGER_IMAGE:-jaegertracing/all-in-one:1.62.0}"),
        ),
        ("profiles", profile()),
        ("environment", map([("COLLECTOR_OTLP_ENABLED", s("true"))])),
        ("ports", port(16686)),
        ("restart", s("unless-stopped")),
        ("mem_limit", s("512m")),
    ]);
    let prometheus = map([
        (
            "image",
            s("${QUORUM_PROMETHEUS_IMAGE:-prom/prometheus:v2.55.1}"),
        ),
        ("profiles", profile()),
        (
            "volumes",
            list([s(
                "./observability/prometheus.yml:/etc/prometheus/prometheus.yml:ro",
            )]),
        ),
        ("ports", port(9090)),
        ("restart", s("unless-stopped")),
        ("mem_limit", s("512m")),
    ]);
    vec![
        ("otel-collector".to_string(), collector),
        ("jaeger".to_string(), jaeger),
        ("prometheus".to_string(), prometheus),
    ]
}

/// compose/observability/prometheus.yml: one scrape target per implemented service's admin port.
pub fn render_prometheus(catalog: &Catalog) -> String {
    let targets = catalog.implemented().map(|service| {
        map([
            (
                "targets",
                list([s(format!("{}:{}", service.name, service.admin_port))]),
            ),
            (
                "labels",
                map([
                    ("service", s(service.name.clone())),
                    (
                        "category",
                        s(service.category.as_str().to_ascii_lowercase()),
                    ),
                ]),
            ),
        ])
    });
    let static_job = |name: &str, target: &str| {
        map([
            ("job_name", s(name)),
            (
                "static_configs",
                list([map([("targets", list([s(target)]))])]),
            ),
        ])
    };
    let doc = map([
        (
            "global",
            map([
                ("scrape_interval", s("15s")),
                ("evaluation_interval", s("15s")),
            ]),
        ),
        (
            "scrape_configs",
            list([
                map([
                    ("job_name", s("quorum")),
                    ("metrics_path", s("/metrics")),
                    ("static_configs", list(targets)),
                ]),
                static_job("otel-collector", "otel-collector:8889"),
                static_job("prometheus", "localhost:9090"),
            ]),
        ),
    ]);
    format!("{GENERATED_HEADER}\n{}", doc.render())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_quantities_convert() {
        assert_eq!(memory_for_compose("128Mi").as_deref(), Some("128m"));
        assert_eq!(memory_for_compose("1Gi").as_deref(), Some("1g"));
        assert_eq!(memory_for_compose("128M"), None);
        assert_eq!(memory_for_compose("Mi"), None);
    }

    #[test]
    fn compose_wires_implemented_services_only() {
        let catalog = Catalog::load().expect("catalog");
        let text = render(catalog);
        assert!(text.starts_with(GENERATED_HEADER));
        assert!(text.contains("\n  auth-manager:\n"));
        assert!(text.contains("\n  price-feed:\n"));
        assert!(!text.contains("\n  volume-analyzer:\n"));
        assert!(!text.contains("\nversion:") && !text.contains("\nname:"));
        assert!(text.contains("QUORUM_ADMIN_PASSWORD"));
        let catalog = Catalog::load().expect("catalog");
        assert_eq!(
            text.matches("quorum-secrets:/var/lib/quorum/secrets")
                .count(),
            catalog.implemented().count()
        );
        // Catalog settings become overridable compose variables.
        assert!(text.contains("QUORUM_MARKET_SOURCE: \"${QUORUM_MARKET_SOURCE:-sim}\""));
    }

    #[test]
    fn every_service_runs_the_one_image_by_name() {
        let catalog = Catalog::load().expect("catalog");
        let text = render(catalog);
        let implemented = catalog.implemented().count();
        assert_eq!(
            text.matches("image: \"quorum/quorum:${QUORUM_TAG:-dev}\"")
                .count(),
            implemented
        );
        assert!(!text.contains("SERVICE:"), "no per-service image argument");
        assert!(text.contains("    command: [\"price-feed\"]\n"));
        assert!(text.contains(
            "test: [\"CMD\", \"/usr/local/bin/quorum\", \"price-feed\", \"healthcheck\"]"
        ));
    }
}
