//! Unit tests of the registry state: degradation, grades, history and the change feed.
use super::*;

fn target(name: &str, implemented: bool, hard_deps: &[&str]) -> Target {
    Target {
        name: name.into(),
        category: Category::Infra,
        endpoint: format!("http://{name}:1"),
        admin_addr: format!("{name}:2"),
        implemented,
        hard_deps: hard_deps.iter().map(|dep| dep.to_string()).collect(),
        soft_deps: vec![],
        grpc_services: vec![],
    }
}

fn state_of(store: &Store, name: &str) -> ServiceState {
    store.status(name).expect("registered").state()
}

fn store() -> Store {
    Store::new(
        vec![
            target("auth", true, &[]),
            target("app", true, &["auth"]),
            target("planned", false, &["auth"]),
            target("needs-planned", true, &["planned"]),
        ],
        3,
    )
}

#[test]
fn initial_states_follow_the_implemented_flag() {
    let store = store();
    assert_eq!(state_of(&store, "auth"), ServiceState::Unknown);
    assert_eq!(state_of(&store, "planned"), ServiceState::NotImplemented);
    let planned = store.status("planned").expect("registered");
    assert_eq!(planned.grade(), Grade::L1);
    assert!(store.history("auth", 10).expect("registered").is_empty());
}

#[test]
fn serving_service_with_a_hard_dependency_down_is_degraded_until_it_recovers() {
    let store = store();
    store.observe("app", ServiceState::Serving, "serving");
    let app = store.status("app").expect("registered");
    assert_eq!(app.state(), ServiceState::Degraded);
    assert_eq!(app.down_dependencies, ["auth"]);
    assert!(app.message.contains("auth"), "{}", app.message);

    store.observe("auth", ServiceState::Serving, "serving");
    let app = store.status("app").expect("registered");
    assert_eq!(app.state(), ServiceState::Serving);
    assert!(app.down_dependencies.is_empty());

    store.observe("auth", ServiceState::Unreachable, "connection refused");
    assert_eq!(state_of(&store, "app"), ServiceState::Degraded);
    let history = store.history("app", 10).expect("registered");
    let states: Vec<(ServiceState, ServiceState)> = history
        .iter()
        .map(|change| (change.from_state(), change.to_state()))
        .collect();
    assert_eq!(
        states,
        [
            (ServiceState::Serving, ServiceState::Degraded),
            (ServiceState::Degraded, ServiceState::Serving),
            (ServiceState::Unknown, ServiceState::Degraded),
        ]
    );
}

#[test]
fn a_not_implemented_hard_dependency_degrades() {
    let store = store();
    store.observe("needs-planned", ServiceState::Serving, "serving");
    let status = store.status("needs-planned").expect("registered");
    assert_eq!(status.state(), ServiceState::Degraded);
    assert_eq!(status.down_dependencies, ["planned"]);
}

#[test]
fn grades_apply_only_while_serving_and_drop_when_it_stops() {
    let store = store();
    store.grade("auth", Grade::L3, "");
    assert_eq!(store.status("auth").expect("registered").grade(), Grade::L1);
    store.observe("auth", ServiceState::Serving, "serving");
    store.grade("auth", Grade::L3, "");
    assert_eq!(store.status("auth").expect("registered").grade(), Grade::L3);
    store.observe("auth", ServiceState::NotServing, "draining");
    assert_eq!(store.status("auth").expect("registered").grade(), Grade::L1);
}

#[test]
fn history_is_bounded_and_newest_first() {
    let store = store();
    for state in [
        ServiceState::Serving,
        ServiceState::NotServing,
        ServiceState::Serving,
        ServiceState::Unreachable,
    ] {
        store.observe("auth", state, "x");
    }
    let history = store.history("auth", 10).expect("registered");
    assert_eq!(history.len(), 3);
    assert_eq!(history[0].to_state(), ServiceState::Unreachable);
    assert_eq!(history[2].to_state(), ServiceState::NotServing);
    assert_eq!(store.history("auth", 1).expect("registered").len(), 1);
    assert!(store.history("nobody", 1).is_none());
}

#[test]
fn repeated_observations_record_no_transition() {
    let store = store();
    store.observe("auth", ServiceState::Serving, "a");
    store.observe("auth", ServiceState::Serving, "b");
    assert_eq!(store.history("auth", 10).expect("registered").len(), 1);
}

#[test]
fn subscribers_get_the_snapshot_then_changes_of_state_and_grade() {
    let store = store();
    let names: HashSet<String> = ["auth".to_string()].into();
    let (current, mut changes) = store.subscribe(&names);
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].name, "auth");
    store.observe("auth", ServiceState::Serving, "serving");
    store.grade("auth", Grade::L2, "no smoke check");
    let mut seen = Vec::new();
    while let Ok(status) = changes.try_recv() {
        seen.push((status.name.clone(), status.state(), status.grade()));
    }
    assert!(
        seen.contains(&("auth".into(), ServiceState::Serving, Grade::L1)),
        "{seen:?}"
    );
    assert!(
        seen.contains(&("auth".into(), ServiceState::Serving, Grade::L2)),
        "{seen:?}"
    );
    // The dependent changed too (its down dependencies emptied).
    assert!(seen.iter().any(|(name, ..)| name == "app"), "{seen:?}");
}

#[test]
fn listing_filters_by_category_and_implementation() {
    let mut targets = vec![target("auth", true, &[]), target("planned", false, &[])];
    targets[1].category = Category::Ai;
    let store = Store::new(targets, 10);
    let all = store.list(ListFilter::default());
    assert_eq!(all.len(), 2);
    let ai = store.list(ListFilter {
        category: Some(Category::Ai),
        implemented_only: false,
    });
    assert_eq!(ai.len(), 1);
    assert_eq!(ai[0].name, "planned");
    let built = store.list(ListFilter {
        category: None,
        implemented_only: true,
    });
    assert_eq!(built.len(), 1);
    assert_eq!(built[0].name, "auth");
}
