//! `k8s/base/`: namespace, Postgres, Redis and one file per implemented service.

use super::{NAMESPACE, infra_labels, kustomization, metadata, name_selector, service_labels};
use crate::catalog::Catalog;
use crate::compose::{SECRETS_DIR, STATE_DIR};
use crate::model::ServiceEntry;
use crate::yaml::{Yaml, documents, flow, int, list, map, s};
use crate::{GENERATED_HEADER, POSTGRES_PORT, REDIS_PORT};

/// The user id the service images run as.
const SERVICE_UID: i64 = 10001;

/// `(file name, contents)` of every file in `k8s/base/`.
pub fn render(catalog: &Catalog) -> Vec<(String, String)> {
    let mut files = vec![
        ("namespace.yaml".to_string(), with_header(&[namespace()])),
        ("postgres.yaml".to_string(), with_header(&postgres())),
        ("redis.yaml".to_string(), with_header(&redis())),
    ];
    for service in catalog.implemented() {
        files.push((
            format!("{}.yaml", service.name),
            with_header(&service_objects(service)),
        ));
    }
    let resources: Vec<String> = files.iter().map(|(name, _)| name.clone()).collect();
    files.insert(
        0,
        (
            "kustomization.yaml".to_string(),
            kustomization("Kustomization", GENERATED_HEADER, &resources),
        ),
    );
    files
}

fn with_header(docs: &[Yaml]) -> String {
    format!("{GENERATED_HEADER}\n{}", documents(docs))
}

fn namespace() -> Yaml {
    map([
        ("apiVersion", s("v1")),
        ("kind", s("Namespace")),
        (
            "metadata",
            map([("name", s(NAMESPACE)), ("labels", infra_labels(NAMESPACE))]),
        ),
    ])
}

fn env(name: &str, value: impl Into<String>) -> Yaml {
    map([("name", s(name)), ("value", s(value))])
}

fn secret_env(name: &str, secret: &str, key: &str) -> Yaml {
    map([
        ("name", s(name)),
        (
            "valueFrom",
            map([("secretKeyRef", map([("name", s(secret)), ("key", s(key))]))]),
        ),
    ])
}

fn container_security(uid: i64) -> Yaml {
    map([
        ("runAsNonRoot", Yaml::Bool(true)),
        ("runAsUser", int(uid)),
        ("runAsGroup", int(uid)),
        ("readOnlyRootFilesystem", Yaml::Bool(true)),
        ("allowPrivilegeEscalation", Yaml::Bool(false)),
        ("capabilities", map([("drop", list([s("ALL")]))])),
        ("seccompProfile", map([("type", s("RuntimeDefault"))])),
    ])
}

fn pod_security(uid: i64) -> Yaml {
    map([
        ("runAsNonRoot", Yaml::Bool(true)),
        ("runAsUser", int(uid)),
        ("runAsGroup", int(uid)),
        ("fsGroup", int(uid)),
        ("seccompProfile", map([("type", s("RuntimeDefault"))])),
    ])
}

fn port(name: &str, number: u16) -> Yaml {
    map([
        ("name", s(name)),
        ("containerPort", int(number)),
        ("protocol", s("TCP")),
    ])
}

fn service_port(name: &str, number: u16, app_protocol: &str) -> Yaml {
    map([
        ("name", s(name)),
        ("port", int(number)),
        ("targetPort", s(name)),
        ("protocol", s("TCP")),
        ("appProtocol", s(app_protocol)),
    ])
}

fn empty_dir(name: &str) -> Yaml {
    map([("name", s(name)), ("emptyDir", map::<String>([]))])
}

fn mount(name: &str, path: &str, read_only: bool) -> Yaml {
    let mut entries = vec![("name", s(name)), ("mountPath", s(path))];
    if read_only {
        entries.push(("readOnly", Yaml::Bool(true)));
    }
    map(entries)
}

fn postgres() -> Vec<Yaml> {
    let labels = infra_labels("postgres");
    let service = map([
        ("apiVersion", s("v1")),
        ("kind", s("Service")),
        ("metadata", metadata("postgres", labels.clone())),
        (
            "spec",
            map([
                ("clusterIP", s("None")),
                ("selector", map([("app.kubernetes.io/name", s("postgres"))])),
                (
                    "ports",
                    list([service_port("postgres", POSTGRES_PORT, "postgresql")]),
                ),
            ]),
        ),
    ]);
    let probe = map([
        (
            "exec",
            map([(
                "command",
                flow(["pg_isready", "-U", "quorum", "-d", "quorum"]),
            )]),
        ),
        ("periodSeconds", int(10)),
    ]);
    let container = map([
        ("name", s("postgres")),
        ("image", s("postgres:16")),
        ("ports", list([port("postgres", POSTGRES_PORT)])),
        (
            "env",
            list([
                env("POSTGRES_USER", "quorum"),
                env("POSTGRES_DB", "quorum"),
                env("PGDATA", "/var/lib/postgresql/data/pgdata"),
                secret_env("POSTGRES_PASSWORD", "quorum-db", "password"),
            ]),
        ),
        ("readinessProbe", probe.clone()),
        ("livenessProbe", probe),
        ("resources", resources("100m", "1", "256Mi", "1Gi")),
        ("securityContext", container_security(999)),
        (
            "volumeMounts",
            list([
                mount("data", "/var/lib/postgresql/data", false),
                mount("run", "/var/run/postgresql", false),
                mount("tmp", "/tmp", false),
            ]),
        ),
    ]);
    let claim = map([
        ("metadata", map([("name", s("data"))])),
        (
            "spec",
            map([
                ("accessModes", list([s("ReadWriteOnce")])),
                (
                    "resources",
                    map([("requests", map([("storage", s("10Gi"))]))]),
                ),
            ]),
        ),
    ]);
    let stateful_set = map([
        ("apiVersion", s("apps/v1")),
        ("kind", s("StatefulSet")),
        ("metadata", metadata("postgres", labels.clone())),
        (
            "spec",
            map([
                ("serviceName", s("postgres")),
                ("replicas", int(1)),
                ("selector", name_selector("postgres")),
                (
                    "template",
                    pod_template(labels, pod_spec(None, 999, container, &["run", "tmp"])),
                ),
                ("volumeClaimTemplates", list([claim])),
            ]),
        ),
    ]);
    vec![service, stateful_set]
}

fn redis() -> Vec<Yaml> {
    let labels = infra_labels("redis");
    let probe = map([
        ("exec", map([("command", flow(["redis-cli", "ping"]))])),
        ("periodSeconds", int(10)),
    ]);
    let container = map([
        ("name", s("redis")),
        ("image", s("redis:7")),
        ("args", flow(["--appendonly", "yes", "--dir", "/data"])),
        ("ports", list([port("redis", REDIS_PORT)])),
        ("readinessProbe", probe.clone()),
        ("livenessProbe", probe),
        ("resources", resources("50m", "500m", "64Mi", "256Mi")),
        ("securityContext", container_security(999)),
        ("volumeMounts", list([mount("data", "/data", false)])),
    ]);
    vec![
        map([
            ("apiVersion", s("v1")),
            ("kind", s("Service")),
            ("metadata", metadata("redis", labels.clone())),
            (
                "spec",
                map([
                    ("selector", map([("app.kubernetes.io/name", s("redis"))])),
                    ("ports", list([service_port("redis", REDIS_PORT, "redis")])),
                ]),
            ),
        ]),
        deployment(
            "redis",
            labels.clone(),
            pod_spec(None, 999, container, &["data"]),
        ),
    ]
}

fn resources(cpu_request: &str, cpu_limit: &str, memory_request: &str, memory_limit: &str) -> Yaml {
    map([
        (
            "requests",
            map([("cpu", s(cpu_request)), ("memory", s(memory_request))]),
        ),
        (
            "limits",
            map([("cpu", s(cpu_limit)), ("memory", s(memory_limit))]),
        ),
    ])
}

fn pod_template(labels: Yaml, spec: Yaml) -> Yaml {
    map([("metadata", map([("labels", labels)])), ("spec", spec)])
}

/// A pod spec with the hardened pod security context and `empty_dirs` as emptyDir volumes.
fn pod_spec(account: Option<&str>, uid: i64, container: Yaml, empty_dirs: &[&str]) -> Yaml {
    pod_spec_with(
        account,
        uid,
        container,
        empty_dirs.iter().map(|n| empty_dir(n)).collect(),
    )
}

fn pod_spec_with(account: Option<&str>, uid: i64, container: Yaml, volumes: Vec<Yaml>) -> Yaml {
    let mut entries = Vec::new();
    if let Some(account) = account {
        entries.push(("serviceAccountName", s(account)));
    }
    entries.push(("automountServiceAccountToken", Yaml::Bool(false)));
    entries.push(("securityContext", pod_security(uid)));
    entries.push(("containers", list([container])));
    entries.push(("volumes", Yaml::List(volumes)));
    map(entries)
}

fn deployment(name: &str, labels: Yaml, spec: Yaml) -> Yaml {
    map([
        ("apiVersion", s("apps/v1")),
        ("kind", s("Deployment")),
        ("metadata", metadata(name, labels.clone())),
        (
            "spec",
            map([
                ("replicas", int(1)),
                ("selector", name_selector(name)),
                ("template", pod_template(labels, spec)),
            ]),
        ),
    ])
}

fn service_env(service: &ServiceEntry) -> Vec<Yaml> {
    let mut env_vars = vec![
        env("QUORUM_DISCOVERY", "dns"),
        env("QUORUM_GRPC_ADDR", format!("0.0.0.0:{}", service.grpc_port)),
        env(
            "QUORUM_ADMIN_ADDR",
            format!("0.0.0.0:{}", service.admin_port),
        ),
        env("RUST_LOG", "info"),
        env("QUORUM_STATE_DIR", STATE_DIR),
        env(
            "QUORUM_SERVICE_KEY_FILE",
            format!("{SECRETS_DIR}/service-key"),
        ),
    ];
    if service.postgres {
        env_vars.push(secret_env("DB_PASSWORD", "quorum-db", "password"));
        env_vars.push(env(
            "DATABASE_URL",
            format!("postgres://quorum:$(DB_PASSWORD)@postgres:{POSTGRES_PORT}/quorum"),
        ));
    }
    if service.redis {
        env_vars.push(env("REDIS_URL", format!("redis://redis:{REDIS_PORT}")));
    }
    if service.name == "auth-manager" {
        // Optional: without the Secret, auth-manager generates an admin password on first start.
        env_vars.push(map([
            ("name", s("QUORUM_ADMIN_PASSWORD")),
            (
                "valueFrom",
                map([(
                    "secretKeyRef",
                    map([
                        ("name", s("quorum-admin")),
                        ("key", s("password")),
                        ("optional", Yaml::Bool(true)),
                    ]),
                )]),
            ),
        ]));
    }
    env_vars
}

fn service_objects(service: &ServiceEntry) -> Vec<Yaml> {
    let name = service.name.as_str();
    let labels = service_labels(service);
    let probe = |period: i64, delay: i64| {
        map([
            ("grpc", map([("port", int(service.grpc_port))])),
            ("initialDelaySeconds", int(delay)),
            ("periodSeconds", int(period)),
            ("failureThreshold", int(3)),
        ])
    };
    let catalog_resources = &service.resources;
    let container = map([
        ("name", s(name)),
        ("image", s(format!("quorum/{name}:dev"))),
        ("imagePullPolicy", s("IfNotPresent")),
        ("env", Yaml::List(service_env(service))),
        (
            "ports",
            list([
                port("grpc", service.grpc_port),
                port("admin", service.admin_port),
            ]),
        ),
        ("readinessProbe", probe(5, 2)),
        ("livenessProbe", probe(10, 10)),
        (
            "resources",
            resources(
                &catalog_resources.cpu_request,
                &catalog_resources.cpu_limit,
                &catalog_resources.memory_request,
                &catalog_resources.memory_limit,
            ),
        ),
        ("securityContext", container_security(SERVICE_UID)),
        (
            "volumeMounts",
            list([
                mount("tmp", "/tmp", false),
                mount("state", STATE_DIR, false),
                mount("service-key", SECRETS_DIR, true),
            ]),
        ),
    ]);
    let key_volume = map([
        ("name", s("service-key")),
        (
            "secret",
            map([
                ("secretName", s("quorum-service-key")),
                ("defaultMode", int(0o440)),
                (
                    "items",
                    list([map([("key", s("key")), ("path", s("service-key"))])]),
                ),
            ]),
        ),
    ]);
    let volumes = vec![empty_dir("tmp"), empty_dir("state"), key_volume];
    let account = map([
        ("apiVersion", s("v1")),
        ("kind", s("ServiceAccount")),
        ("metadata", metadata(name, labels.clone())),
        ("automountServiceAccountToken", Yaml::Bool(false)),
    ]);
    let kube_service = map([
        ("apiVersion", s("v1")),
        ("kind", s("Service")),
        ("metadata", metadata(name, labels.clone())),
        (
            "spec",
            map([
                ("type", s("ClusterIP")),
                ("selector", map([("app.kubernetes.io/name", s(name))])),
                (
                    "ports",
                    list([
                        service_port("grpc", service.grpc_port, "grpc"),
                        service_port("admin", service.admin_port, "http"),
                    ]),
                ),
            ]),
        ),
    ]);
    let spec = pod_spec_with(Some(name), SERVICE_UID, container, volumes);
    vec![account, deployment(name, labels, spec), kube_service]
}
