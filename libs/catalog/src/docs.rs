//! The service table of the documentation (docs/services.md), generated from the catalog.
use crate::catalog::Catalog;

/// Markdown: one row per catalog service, grouped by category in catalog order.
pub fn render_service_table(catalog: &Catalog) -> String {
    let implemented = catalog.implemented().count();
    let mut text = format!(
        "<!-- {} -->\n",
        crate::GENERATED_HEADER.trim_start_matches("# ")
    );
    text.push_str("# Quorum services\n\n");
    text.push_str(&format!(
        "{} services in the catalog, {implemented} implemented. Ports are the defaults \
         (`QUORUM_GRPC_ADDR`, `QUORUM_ADMIN_ADDR`); `docker compose up` publishes them on \
         127.0.0.1. Every implemented service runs from the one binary as `quorum <service>` \
         (image `quorum/quorum`), or all of them in one process with `quorum all`. Each \
         implemented service's README says more.\n\n",
        catalog.services.len()
    ));
    text.push_str("| service | category | what it does | gRPC | admin | contract | hard dependencies | implemented |\n");
    text.push_str("|---|---|---|---|---|---|---|---|\n");
    for service in &catalog.services {
        let name = if service.implemented {
            format!("[{0}](../services/{0}/README.md)", service.name)
        } else {
            service.name.clone()
        };
        let dependencies = if service.hard_deps.is_empty() {
            "-".to_string()
        } else {
            service.hard_deps.join(", ")
        };
        text.push_str(&format!(
            "| {name} | {} | {} | {} | {} | `{}` | {dependencies} | {} |\n",
            service.category,
            service.description,
            service.grpc_port,
            service.admin_port,
            service.grpc_services.join("`, `"),
            if service.implemented {
                "yes"
            } else {
                "not yet"
            },
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_service_has_a_row() {
        let catalog = Catalog::load().unwrap();
        let table = render_service_table(catalog);
        for service in &catalog.services {
            assert!(
                table.contains(&format!("| {} |", service.grpc_port)),
                "{}",
                service.name
            );
        }
        assert!(table.contains("[auth-manager](../services/auth-manager/README.md)"));
    }
}
