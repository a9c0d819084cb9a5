//! The JSON surface's route table, read from the `google.api.http`
//! annotations of the UserService in roster's descriptor set: nothing here
//! names an RPC.

use std::{collections::HashMap, sync::Arc};

use prost_reflect::{DescriptorPool, MessageDescriptor, MethodDescriptor, Value};

use super::render::Plan;

/// One route: `POST <path>` calls `grpc_path` with the body as its request.
#[derive(Clone, Debug)]
pub struct Route {
    /// The gRPC path, `/roster.v1.UserService/<Method>`.
    pub grpc_path: String,
    /// The method's name, for messages.
    pub method: String,
    /// The request and response messages.
    pub input: MessageDescriptor,
    pub output: MessageDescriptor,
    /// How the response is printed straight from the wire; None when it
    /// holds a type `render` does not cover (then prost-reflect prints it).
    pub plan: Option<Arc<Plan>>,
}

/// Every route, by HTTP path.
#[derive(Clone, Debug)]
pub struct Routes {
    by_path: HashMap<String, Route>,
    pool: DescriptorPool,
}

/// What is wrong with the descriptors (a build fault: the server exits).
#[derive(Debug, thiserror::Error)]
pub enum RoutesError {
    #[error("the descriptor set does not decode: {0}")]
    Descriptors(#[from] prost_reflect::DescriptorError),
    #[error("the descriptor set lacks {0}")]
    Missing(&'static str),
    #[error("{method}: only `post` rules with `body: \"*\"` are served, found {rule}")]
    Unsupported { method: String, rule: String },
    #[error("two methods are routed at {0}")]
    Duplicate(String),
}

impl Routes {
    /// The routes of `service` in the encoded descriptor set.
    pub fn from_descriptors(descriptors: &[u8], service: &str) -> Result<Self, RoutesError> {
        let pool = DescriptorPool::decode(descriptors)?;
        let http = pool
            .get_extension_by_name("google.api.http")
            .ok_or(RoutesError::Missing("the google.api.http extension"))?;
        let service = pool
            .get_service_by_name(service)
            .ok_or(RoutesError::Missing("the service"))?;
        let mut by_path = HashMap::new();
        for method in service.methods() {
            let options = method.options();
            if !options.has_extension(&http) {
                continue;
            }
            let Value::Message(rule) = options.get_extension(&http).into_owned() else {
                continue;
            };
            let path = post_path(&method, &rule)?;
            let route = Route {
                grpc_path: format!("/{}/{}", service.full_name(), method.name()),
                method: method.name().to_owned(),
                input: method.input(),
                output: method.output(),
                plan: Plan::new(&method.output()).ok(),
            };
            if by_path.insert(path.clone(), route).is_some() {
                return Err(RoutesError::Duplicate(path));
            }
        }
        Ok(Routes { by_path, pool })
    }

    /// Every route, by path, in path order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Route)> {
        let mut routes: Vec<_> = self.by_path.iter().map(|(p, r)| (p.as_str(), r)).collect();
        routes.sort_by_key(|(p, _)| *p);
        routes.into_iter()
    }

    /// The route at `path`, if any.
    pub fn get(&self, path: &str) -> Option<&Route> {
        self.by_path.get(path)
    }

    /// The descriptors, to render error details.
    pub fn pool(&self) -> &DescriptorPool {
        &self.pool
    }

    /// How many routes.
    pub fn len(&self) -> usize {
        self.by_path.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.by_path.is_empty()
    }
}

/// The path of a `post: "<path>" body: "*"` rule; any other rule is refused,
/// since the surface would silently serve it differently.
fn post_path(
    method: &MethodDescriptor,
    rule: &prost_reflect::DynamicMessage,
) -> Result<String, RoutesError> {
    let field = |name: &str| match rule.get_field_by_name(name).as_deref() {
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    };
    let (post, body) = (field("post"), field("body"));
    let others = ["get", "put", "delete", "patch"]
        .iter()
        .any(|m| !field(m).is_empty());
    if post.is_empty() || body != "*" || others || post.contains('{') {
        return Err(RoutesError::Unsupported {
            method: method.full_name().to_owned(),
            rule: format!("{rule:?}"),
        });
    }
    Ok(post)
}
