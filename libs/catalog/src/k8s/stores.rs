//! Postgres (StatefulSet + headless Service) and Redis (Deployment + Service) for `k8s/base/`.

use super::objects::{
    container_security, deployment, env, mount, pod_spec, pod_template, port, resources,
    secret_env, service_port,
};
use super::{infra_labels, metadata, name_selector};
use crate::yaml::{Yaml, flow, int, list, map, s};
use crate::{POSTGRES_PORT, REDIS_PORT};

pub(crate) fn postgres() -> Vec<Yaml> {
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

pub(crate) fn redis() -> Vec<Yaml> {
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
