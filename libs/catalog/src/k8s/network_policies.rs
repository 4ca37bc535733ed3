//! `k8s/components/network-policies/`: deny everything, then allow DNS and exactly the
//! connections the catalog's dependencies need.

use super::{kustomization, metadata, name_selector};
use crate::catalog::Catalog;
use crate::model::ServiceEntry;
use crate::yaml::{Yaml, documents, int, list, map, s};
use crate::{GENERATED_HEADER, POSTGRES_PORT, REDIS_PORT};

/// Services that watch every other one on its gRPC and admin ports.
pub const OBSERVERS: [&str; 2] = ["health-checker", "monitoring-service"];

/// `(file name, contents)` of every file in the component.
pub fn render(catalog: &Catalog) -> Vec<(String, String)> {
    let mut files = vec![
        ("default-deny.yaml".to_string(), default_deny()),
        ("allow-dns.yaml".to_string(), allow_dns()),
        (
            "postgres.yaml".to_string(),
            store_ingress(catalog, "postgres", POSTGRES_PORT, |s| s.postgres),
        ),
        (
            "redis.yaml".to_string(),
            store_ingress(catalog, "redis", REDIS_PORT, |s| s.redis),
        ),
    ];
    for service in catalog.implemented() {
        files.push((
            format!("{}.yaml", service.name),
            service_policy(catalog, service),
        ));
    }
    let resources: Vec<String> = files.iter().map(|(name, _)| name.clone()).collect();
    files.insert(
        0,
        (
            "kustomization.yaml".to_string(),
            kustomization("Component", GENERATED_HEADER, &resources),
        ),
    );
    files
}

fn policy(name: &str, pod_selector: Yaml, rules: Vec<(&str, Yaml)>) -> String {
    let mut types = Vec::new();
    let mut spec = vec![("podSelector", pod_selector)];
    for (kind, _) in &rules {
        types.push(s(if *kind == "ingress" {
            "Ingress"
        } else {
            "Egress"
        }));
    }
    spec.push(("policyTypes", Yaml::List(types)));
    spec.extend(rules);
    let labels = map([("app.kubernetes.io/part-of", s("quorum"))]);
    let doc = map([
        ("apiVersion", s("networking.k8s.io/v1")),
        ("kind", s("NetworkPolicy")),
        ("metadata", metadata(name, labels)),
        ("spec", map(spec)),
    ]);
    format!("{GENERATED_HEADER}\n{}", documents(&[doc]))
}

fn default_deny() -> String {
    let everything = map::<String>([]);
    policy(
        "default-deny",
        everything,
        vec![("ingress", list([])), ("egress", list([]))],
    )
}

fn allow_dns() -> String {
    let dns_ports = list([
        map([("protocol", s("UDP")), ("port", int(53))]),
        map([("protocol", s("TCP")), ("port", int(53))]),
    ]);
    policy(
        "allow-dns",
        map::<String>([]),
        vec![("egress", list([map([("ports", dns_ports)])]))],
    )
}

fn tcp_ports(ports: &[u16]) -> Yaml {
    list(
        ports
            .iter()
            .map(|port| map([("protocol", s("TCP")), ("port", int(*port))])),
    )
}

/// Pods whose `app.kubernetes.io/name` is one of `names`.
fn pods_named(names: &[&str]) -> Yaml {
    let values = list(names.iter().map(|name| s(*name)));
    map([(
        "podSelector",
        map([(
            "matchExpressions",
            list([map([
                ("key", s("app.kubernetes.io/name")),
                ("operator", s("In")),
                ("values", values),
            ])]),
        )]),
    )])
}

fn peer_rule(direction: &str, names: &[&str], ports: &[u16]) -> Yaml {
    let peer_key = if direction == "ingress" { "from" } else { "to" };
    map([
        (peer_key, list([pods_named(names)])),
        ("ports", tcp_ports(ports)),
    ])
}

fn store_ingress(
    catalog: &Catalog,
    store: &str,
    port: u16,
    uses: impl Fn(&ServiceEntry) -> bool,
) -> String {
    let users: Vec<&str> = catalog
        .implemented()
        .filter(|service| uses(service))
        .map(|service| service.name.as_str())
        .collect();
    // An empty rule list keeps the store closed; an empty `from` would open it to all.
    let rules = if users.is_empty() {
        list([])
    } else {
        list([peer_rule("ingress", &users, &[port])])
    };
    policy(store, name_selector(store), vec![("ingress", rules)])
}

fn service_policy(catalog: &Catalog, service: &ServiceEntry) -> String {
    let dependents: Vec<&str> = catalog
        .dependents(&service.name)
        .into_iter()
        .filter(|dependent| dependent.implemented)
        .map(|dependent| dependent.name.as_str())
        .collect();
    let mut ingress = Vec::new();
    if !dependents.is_empty() {
        ingress.push(peer_rule("ingress", &dependents, &[service.grpc_port]));
    }
    ingress.push(peer_rule(
        "ingress",
        &OBSERVERS,
        &[service.grpc_port, service.admin_port],
    ));
    let mut egress = Vec::new();
    let mut deps: Vec<&str> = Vec::new();
    for dep in service.all_deps() {
        if !deps.contains(&dep) {
            deps.push(dep);
        }
    }
    for dep in deps {
        if let Some(target) = catalog.service(dep).filter(|target| target.implemented) {
            egress.push(peer_rule("egress", &[dep], &[target.grpc_port]));
        }
    }
    if OBSERVERS.contains(&service.name.as_str()) {
        egress.push(observer_egress(catalog));
    }
    if service.postgres {
        egress.push(peer_rule("egress", &["postgres"], &[POSTGRES_PORT]));
    }
    if service.redis {
        egress.push(peer_rule("egress", &["redis"], &[REDIS_PORT]));
    }
    policy(
        &service.name,
        name_selector(&service.name),
        vec![
            ("ingress", Yaml::List(ingress)),
            ("egress", Yaml::List(egress)),
        ],
    )
}

/// An observer reaches every implemented service on its gRPC and admin ports.
fn observer_egress(catalog: &Catalog) -> Yaml {
    let names: Vec<&str> = catalog.implemented().map(|s| s.name.as_str()).collect();
    let ports: Vec<u16> = catalog
        .implemented()
        .flat_map(|s| [s.grpc_port, s.admin_port])
        .collect();
    peer_rule("egress", &names, &ports)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_logger_may_reach_auth_and_its_stores_only() {
        let catalog = Catalog::load().expect("catalog");
        let files = render(catalog);
        let (_, audit) = files
            .iter()
            .find(|(name, _)| name == "audit-logger.yaml")
            .expect("audit policy");
        let egress = audit.split("egress:").nth(1).expect("egress section");
        assert!(egress.contains("- auth-manager") && egress.contains("port: 50137"));
        assert!(egress.contains("port: 5432") && egress.contains("port: 6379"));
        assert!(!egress.contains("health-checker"));
    }

    #[test]
    fn stores_admit_only_their_users() {
        let catalog = Catalog::load().expect("catalog");
        let files = render(catalog);
        let (_, postgres) = files
            .iter()
            .find(|(name, _)| name == "postgres.yaml")
            .expect("postgres policy");
        assert!(postgres.contains("- auth-manager") && postgres.contains("- audit-logger"));
        assert!(!postgres.contains("- health-checker"));
    }
}
