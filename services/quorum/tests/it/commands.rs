//! The binary's own commands: usage, list, healthcheck, unknown names.
use crate::{free_port, quorum};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn list_shows_every_implemented_service_with_its_ports() {
    let output = quorum().arg("list").output().unwrap();
    assert!(output.status.success());
    let stdout = text(&output.stdout);
    let catalog = quorum_catalog::Catalog::load().unwrap();
    let mut count = 0;
    for entry in catalog.implemented() {
        let line = stdout
            .lines()
            .find(|line| line.split_whitespace().next() == Some(entry.name.as_str()))
            .unwrap_or_else(|| panic!("{} missing from `quorum list`:\n{stdout}", entry.name));
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(fields[1], entry.grpc_port.to_string(), "{line}");
        assert_eq!(fields[2], entry.admin_port.to_string(), "{line}");
        count += 1;
    }
    assert_eq!(
        stdout.lines().count(),
        count + 1,
        "one header line: {stdout}"
    );
}

#[test]
fn no_arguments_print_the_usage_and_exit_64() {
    let output = quorum().output().unwrap();
    assert_eq!(output.status.code(), Some(64));
    assert!(text(&output.stderr).contains("usage: quorum <service>"));
    let help = quorum().arg("--help").output().unwrap();
    assert_eq!(help.status.code(), Some(0));
    assert!(text(&help.stdout).contains("quorum all"));
    let version = quorum().arg("--version").output().unwrap();
    assert_eq!(version.status.code(), Some(0));
    assert!(text(&version.stdout).starts_with("quorum "));
}

#[test]
fn unknown_and_unimplemented_services_are_refused_by_name() {
    let unknown = quorum().arg("moon-trader").output().unwrap();
    assert_eq!(unknown.status.code(), Some(64));
    assert!(
        text(&unknown.stderr).contains("unknown service or command 'moon-trader'"),
        "{}",
        text(&unknown.stderr)
    );
    let later = quorum().arg("vault-manager").output().unwrap();
    assert_eq!(later.status.code(), Some(64));
    assert!(
        text(&later.stderr).contains("vault-manager is in the catalog but not implemented yet"),
        "{}",
        text(&later.stderr)
    );
}

#[test]
fn healthcheck_of_a_closed_port_exits_1_and_of_no_address_64() {
    let closed = quorum()
        .args(["healthcheck", &format!("127.0.0.1:{}", free_port())])
        .output()
        .unwrap();
    assert_eq!(closed.status.code(), Some(1));
    assert!(
        text(&closed.stderr).contains("cannot connect"),
        "{}",
        text(&closed.stderr)
    );
    let nowhere = quorum()
        .arg("healthcheck")
        .env_remove("QUORUM_GRPC_ADDR")
        .output()
        .unwrap();
    assert_eq!(nowhere.status.code(), Some(64));
    let bad = quorum()
        .args(["healthcheck", "not-an-address"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(64));
}

#[test]
fn all_refuses_bad_options_and_bad_service_settings_with_64() {
    let unknown = quorum().args(["all", "--only", "moon"]).output().unwrap();
    assert_eq!(unknown.status.code(), Some(64));
    assert!(
        text(&unknown.stderr).contains("unknown service"),
        "{}",
        text(&unknown.stderr)
    );
    let bad_address = quorum()
        .arg("all")
        .env("PRICE_FEED__QUORUM_GRPC_ADDR", "nowhere")
        .env("DATABASE_URL", "postgres://127.0.0.1:1/none")
        .env("REDIS_URL", "redis://127.0.0.1:1")
        .output()
        .unwrap();
    assert_eq!(bad_address.status.code(), Some(64));
    let stderr = text(&bad_address.stderr);
    assert!(stderr.contains("PRICE_FEED__QUORUM_GRPC_ADDR"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    let missing = quorum()
        .args(["all", "--only", "price-feed"])
        .env_remove("REDIS_URL")
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(64));
    let stderr = text(&missing.stderr);
    assert!(stderr.contains("must be set"), "{stderr}");
}
