//! Which roles each gRPC method needs; health and reflection are always public.
use std::collections::HashMap;

/// Role that passes every rule.
pub const ADMIN_ROLE: &str = "admin";

const ALWAYS_PUBLIC: &[&str] = &[
    "/grpc.health.v1.Health/",
    "/grpc.reflection.v1.ServerReflection/",
    "/grpc.reflection.v1alpha.ServerReflection/",
];

/// What a method asks of its caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement<'a> {
    /// No token needed.
    Public,
    /// A valid token holding any of these roles (any valid token when empty).
    Roles(&'a [String]),
}

/// Per-method rules. Methods without a rule need any valid token.
#[derive(Debug, Clone, Default)]
pub struct AuthPolicy {
    public: Vec<String>,
    rules: HashMap<String, Vec<String>>,
}

impl AuthPolicy {
    pub fn new() -> Self {
        Self::default()
    }

    /// Lets `method` (a full path such as `/quorum.auth.v1.AuthService/Login`) be called
    /// without a token.
    pub fn public(mut self, method: &str) -> Self {
        self.public.push(method.to_string());
        self
    }

    /// Requires one of `roles` for `method`. Admins pass every rule.
    pub fn require(mut self, method: &str, roles: &[&str]) -> Self {
        self.rules.insert(
            method.to_string(),
            roles.iter().map(|role| role.to_string()).collect(),
        );
        self
    }

    /// The requirement for a request path.
    pub fn requirement(&self, path: &str) -> Requirement<'_> {
        let always = ALWAYS_PUBLIC.iter().any(|prefix| path.starts_with(prefix));
        if always || self.public.iter().any(|method| method == path) {
            return Requirement::Public;
        }
        match self.rules.get(path) {
            Some(roles) => Requirement::Roles(roles),
            None => Requirement::Roles(&[]),
        }
    }
}

/// Whether holding `held` roles satisfies a rule asking for any of `wanted`.
pub fn roles_satisfy(held: &[String], wanted: &[String]) -> bool {
    wanted.is_empty()
        || held
            .iter()
            .any(|role| role == ADMIN_ROLE || wanted.contains(role))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_and_reflection_are_public_whatever_the_policy() {
        let policy = AuthPolicy::new();
        assert_eq!(
            policy.requirement("/grpc.health.v1.Health/Check"),
            Requirement::Public
        );
        assert_eq!(
            policy.requirement("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"),
            Requirement::Public
        );
    }

    #[test]
    fn rules_and_defaults() {
        let policy = AuthPolicy::new()
            .public("/a.B/Login")
            .require("/a.B/Admin", &["admin"]);
        assert_eq!(policy.requirement("/a.B/Login"), Requirement::Public);
        assert_eq!(
            policy.requirement("/a.B/Admin"),
            Requirement::Roles(&["admin".to_string()])
        );
        assert_eq!(policy.requirement("/a.B/Other"), Requirement::Roles(&[]));
    }

    #[test]
    fn admin_passes_every_rule_others_need_a_listed_role() {
        let wanted = vec!["auditor".to_string()];
        assert!(roles_satisfy(&["admin".into()], &wanted));
        assert!(roles_satisfy(&["auditor".into()], &wanted));
        assert!(!roles_satisfy(&["trader".into()], &wanted));
        assert!(roles_satisfy(&[], &[]));
    }
}
