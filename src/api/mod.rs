//! The `roster.v1.UserService` handlers.
//!
//! Invariant: this is the only module that knows the generated proto types
//! and tonic's request/response types; it never touches the store directly.
//! Every handler has one shape: open a [`Call`], authenticate, convert the
//! request, call the [`Directory`], convert the answer back, and let
//! [`Call::finish`] map the error and write the one log event of the call.

pub mod convert;
pub mod layer;
mod status;
pub mod wire;

use std::{
    future::Future,
    sync::{Arc, OnceLock, RwLock},
    time::Instant,
};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tonic::{Request, Response, Status};

use crate::auth::{self, Authenticated, Caller};
use crate::domain::{Directory, Error, PageRequest, Result, IMPERSONATE_FIELD};
use crate::pb::{self, user_service_server::UserService};
use crate::store::Store;
use convert::{json_to_struct, required, struct_to_json};
pub use layer::{CallLayer, Deadline};
pub use status::ERROR_DOMAIN;

/// What the handlers share with the server around them.
pub struct State<S> {
    /// Set once the store is open and bootstrapped, taken away at shutdown;
    /// calls without it are UNAVAILABLE.
    pub directory: RwLock<Option<Arc<Directory<S>>>>,
    /// One permit per call in flight; none left means RESOURCE_EXHAUSTED.
    pub in_flight: Arc<Semaphore>,
}

impl<S> State<S> {
    /// A state with no directory yet and room for `max_in_flight` calls.
    pub fn new(max_in_flight: usize) -> Self {
        State {
            directory: RwLock::new(None),
            in_flight: Arc::new(Semaphore::new(max_in_flight)),
        }
    }
}

/// The UserService implementation.
pub struct Api<S> {
    state: Arc<State<S>>,
}

impl<S> Api<S> {
    /// Handlers over `state`.
    pub fn new(state: Arc<State<S>>) -> Self {
        Api { state }
    }
}

/// One call in progress: what it needs from the request's metadata, and
/// what its log event will say.
struct Call<'a, S> {
    method: &'static str,
    started: Instant,
    deadline: Instant,
    state: &'a State<S>,
    /// The key from `authorization`, if the header is well-formed.
    key: Option<auth::Secret>,
    /// The `x-roster-impersonate-user` value; Err if it is not text.
    impersonate: Result<Option<String>, ()>,
    /// This call's in-flight slot; None when the server is at its limit.
    permit: Option<OwnedSemaphorePermit>,
    /// The key's owner, once authenticated.
    who: OnceLock<Arc<Caller>>,
}

impl<S: Store> Api<S> {
    /// Opens a call: reads its metadata and deadline, takes an in-flight
    /// permit.
    fn begin<T>(&self, method: &'static str, req: Request<T>) -> (Call<'_, S>, T) {
        let started = Instant::now();
        let (metadata, extensions, message) = req.into_parts();
        // The layer always sets the deadline; the fallback only guards
        // against a server built without it.
        let deadline = extensions
            .get::<Deadline>()
            .map_or(started + std::time::Duration::from_secs(30), |d| d.0);
        let key = metadata
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(auth::bearer)
            .map(|k| auth::Secret::new(k.to_owned()));
        let impersonate = match metadata.get(IMPERSONATE_FIELD) {
            None => Ok(None),
            Some(v) => v.to_str().map(|s| Some(s.to_owned())).map_err(|_| ()),
        };
        let call = Call {
            method,
            started,
            deadline,
            state: &self.state,
            key,
            impersonate,
            permit: self.state.in_flight.clone().try_acquire_owned().ok(),
            who: OnceLock::new(),
        };
        (call, message)
    }
}

impl<S: Store> Call<'_, S> {
    /// The directory, once the server is ready. (Calls arriving during
    /// shutdown are refused by the transport: the listener is closed and
    /// HTTP/2 GOAWAY refuses new streams; calls already in flight finish.)
    fn directory(&self) -> Result<Arc<Directory<S>>> {
        let directory = self
            .state
            .directory
            .read()
            .unwrap_or_else(|e| e.into_inner());
        directory
            .clone()
            .ok_or(Error::Unavailable("roster is starting"))
    }

    /// Authenticates the call. Impersonation is settled later, by the
    /// directory, after the request's shape is checked.
    fn caller(&self) -> Result<(Arc<Directory<S>>, Authenticated)> {
        let directory = self.directory()?;
        let key = self.key.as_ref().map(auth::Secret::expose);
        // Authentication comes first: a bad key is UNAUTHENTICATED even with
        // a malformed impersonation header.
        let who = directory.authenticate(key, None)?;
        let _ = self.who.set(who.caller.clone());
        let impersonate = self
            .impersonate
            .clone()
            .map_err(|()| Error::invalid(IMPERSONATE_FIELD, "must be printable ASCII"))?;
        Ok((directory, Authenticated { impersonate, ..who }))
    }

    /// Runs the body of the call unless it is refused first (no permit,
    /// deadline already passed), and stops it at the deadline.
    async fn run<T>(&self, body: impl Future<Output = Result<T>>) -> Result<T> {
        if self.permit.is_none() {
            return Err(Error::ResourceExhausted {
                reason: "SERVER_BUSY",
                message: "the server is at its limit of calls in flight".into(),
            });
        }
        if Instant::now() >= self.deadline {
            return Err(Error::DeadlineExceeded);
        }
        tokio::time::timeout_at(self.deadline.into(), body)
            .await
            .unwrap_or(Err(Error::DeadlineExceeded))
    }

    /// Ends the call: maps its error to a status and logs it.
    fn finish<T>(self, result: Result<T>) -> Result<Response<T>, Status> {
        let result = result.map(Response::new).map_err(Status::from);
        let code = match &result {
            Ok(_) => tonic::Code::Ok,
            Err(status) => status.code(),
        };
        // The impersonation header is logged (as sent) once the key is good.
        let (caller, impersonated) = match self.who.get() {
            Some(c) => (
                c.id(),
                self.impersonate.as_ref().ok().and_then(|i| i.as_deref()),
            ),
            None => ("", None),
        };
        tracing::info!(
            method = self.method,
            code = code_name(code),
            duration_us = self.started.elapsed().as_micros() as u64,
            caller,
            impersonated,
            "rpc"
        );
        result
    }
}

/// A status code's name as the log shows it (a static string: the event is
/// written on every call).
fn code_name(code: tonic::Code) -> &'static str {
    use tonic::Code::*;
    match code {
        Ok => "Ok",
        Cancelled => "Cancelled",
        Unknown => "Unknown",
        InvalidArgument => "InvalidArgument",
        DeadlineExceeded => "DeadlineExceeded",
        NotFound => "NotFound",
        AlreadyExists => "AlreadyExists",
        PermissionDenied => "PermissionDenied",
        ResourceExhausted => "ResourceExhausted",
        FailedPrecondition => "FailedPrecondition",
        Aborted => "Aborted",
        OutOfRange => "OutOfRange",
        Unimplemented => "Unimplemented",
        Internal => "Internal",
        Unavailable => "Unavailable",
        DataLoss => "DataLoss",
        Unauthenticated => "Unauthenticated",
    }
}

#[tonic::async_trait]
impl<S: Store> UserService for Api<S> {
    async fn create_access_key(
        &self,
        req: Request<pb::CreateAccessKeyRequest>,
    ) -> Result<Response<pb::GetAccessKeyResponse>, Status> {
        let (call, msg) = self.begin("CreateAccessKey", req);
        let result = call
            .run(async {
                let (dir, who) = call.caller()?;
                let pb::CreateAccessKeyRequest { name } = msg;
                let (key, secret) = dir.create_access_key(&who, name, call.deadline).await?;
                let mut shown = pb::AccessKey::from(key);
                // The one place a secret leaves the server.
                shown.access_key = secret.expose().to_owned();
                Ok(pb::GetAccessKeyResponse {
                    access_keys: vec![shown],
                    next_page_token: String::new(),
                })
            })
            .await;
        call.finish(result)
    }

    async fn list_access_keys(
        &self,
        req: Request<pb::GetAccessKeyRequest>,
    ) -> Result<Response<pb::GetAccessKeyResponse>, Status> {
        let (call, msg) = self.begin("ListAccessKeys", req);
        let result = call
            .run(async {
                let (dir, who) = call.caller()?;
                let pb::GetAccessKeyRequest {
                    page_size,
                    page_token,
                } = msg;
                let page =
                    dir.list_access_keys(&who, PageRequest::parse(page_size, &page_token)?)?;
                Ok(pb::GetAccessKeyResponse {
                    access_keys: page.items.into_iter().map(Into::into).collect(),
                    next_page_token: page.next_token,
                })
            })
            .await;
        call.finish(result)
    }

    async fn delete_access_key(
        &self,
        req: Request<pb::DelAccessKeyRequest>,
    ) -> Result<Response<pb::DelAccessKeyResponse>, Status> {
        let (call, msg) = self.begin("DeleteAccessKey", req);
        let result = call
            .run(async {
                let (dir, who) = call.caller()?;
                let pb::DelAccessKeyRequest { names } = msg;
                dir.delete_access_keys(&who, names, call.deadline).await?;
                Ok(pb::DelAccessKeyResponse {})
            })
            .await;
        call.finish(result)
    }

    async fn get_info(
        &self,
        req: Request<pb::GetUserInfoRequest>,
    ) -> Result<Response<pb::GetUserInfoResponse>, Status> {
        let (call, pb::GetUserInfoRequest {}) = self.begin("GetInfo", req);
        let result = call
            .run(async {
                let (dir, who) = call.caller()?;
                let caller = dir.info(&who)?;
                let user = &caller.user;
                Ok(pb::GetUserInfoResponse {
                    id: user.id.clone(),
                    name: user.name.clone(),
                    email: user.email.clone(),
                    roles: user.roles.clone(),
                    permissions: caller.permissions.iter().map(|&p| p.into()).collect(),
                })
            })
            .await;
        call.finish(result)
    }

    async fn update_config(
        &self,
        req: Request<pb::UpdateConfigRequest>,
    ) -> Result<Response<pb::UpdateConfigResponse>, Status> {
        let (call, msg) = self.begin("UpdateConfig", req);
        let result = call
            .run(async {
                let (dir, who) = call.caller()?;
                let pb::UpdateConfigRequest { updated, deleted } = msg;
                let updated = struct_to_json("updated", updated)?;
                let configs = dir
                    .update_config(&who, updated, deleted, call.deadline)
                    .await?;
                Ok(pb::UpdateConfigResponse {
                    configs: Some(json_to_struct(configs)),
                })
            })
            .await;
        call.finish(result)
    }

    async fn create_user(
        &self,
        req: Request<pb::CreateUserRequest>,
    ) -> Result<Response<pb::CommonResponse>, Status> {
        let (call, msg) = self.begin("CreateUser", req);
        let result = call
            .run(async {
                let (dir, who) = call.caller()?;
                let pb::CreateUserRequest { user } = msg;
                let user = required("user", user)?.try_into()?;
                dir.create_user(&who, user, call.deadline).await?;
                Ok(pb::CommonResponse {})
            })
            .await;
        call.finish(result)
    }

    async fn delete_user(
        &self,
        req: Request<pb::DeleteUserRequest>,
    ) -> Result<Response<pb::CommonResponse>, Status> {
        let (call, msg) = self.begin("DeleteUser", req);
        let result = call
            .run(async {
                let (dir, who) = call.caller()?;
                let pb::DeleteUserRequest { id } = msg;
                dir.delete_user(&who, id, call.deadline).await?;
                Ok(pb::CommonResponse {})
            })
            .await;
        call.finish(result)
    }

    async fn update_user(
        &self,
        req: Request<pb::UpdateUserRequest>,
    ) -> Result<Response<pb::CommonResponse>, Status> {
        let (call, msg) = self.begin("UpdateUser", req);
        let result = call
            .run(async {
                let (dir, who) = call.caller()?;
                let pb::UpdateUserRequest { user } = msg;
                let user = required("user", user)?.try_into()?;
                dir.update_user(&who, user, call.deadline).await?;
                Ok(pb::CommonResponse {})
            })
            .await;
        call.finish(result)
    }

    async fn list_users(
        &self,
        req: Request<pb::ListUsersRequest>,
    ) -> Result<Response<wire::ListUsersResponse>, Status> {
        let (call, msg) = self.begin("ListUsers", req);
        let result = call
            .run(async {
                let (dir, who) = call.caller()?;
                let pb::ListUsersRequest {
                    lookup_org_id,
                    page_size,
                    page_token,
                    lookup_tenant_id,
                } = msg;
                let page = PageRequest::parse(page_size, &page_token)?;
                let page = dir.list_users(&who, &lookup_org_id, &lookup_tenant_id, page)?;
                Ok(wire::ListUsersResponse {
                    users: vec![],
                    listed: page.users,
                    next_page_token: page.next_token,
                })
            })
            .await;
        call.finish(result)
    }

    async fn create_tenant(
        &self,
        req: Request<pb::CreateTenantRequest>,
    ) -> Result<Response<pb::CommonResponse>, Status> {
        let (call, msg) = self.begin("CreateTenant", req);
        let result = call
            .run(async {
                let (dir, who) = call.caller()?;
                let pb::CreateTenantRequest { tenant } = msg;
                let tenant = required("tenant", tenant)?.try_into()?;
                dir.create_tenant(&who, tenant, call.deadline).await?;
                Ok(pb::CommonResponse {})
            })
            .await;
        call.finish(result)
    }

    async fn update_tenant(
        &self,
        req: Request<pb::UpdateTenantRequest>,
    ) -> Result<Response<pb::CommonResponse>, Status> {
        let (call, msg) = self.begin("UpdateTenant", req);
        let result = call
            .run(async {
                let (dir, who) = call.caller()?;
                let pb::UpdateTenantRequest { tenant } = msg;
                let tenant = required("tenant", tenant)?.try_into()?;
                dir.update_tenant(&who, tenant, call.deadline).await?;
                Ok(pb::CommonResponse {})
            })
            .await;
        call.finish(result)
    }

    async fn delete_tenant(
        &self,
        req: Request<pb::DeleteTenantRequest>,
    ) -> Result<Response<pb::CommonResponse>, Status> {
        let (call, msg) = self.begin("DeleteTenant", req);
        let result = call
            .run(async {
                let (dir, who) = call.caller()?;
                let pb::DeleteTenantRequest { id } = msg;
                dir.delete_tenant(&who, id, call.deadline).await?;
                Ok(pb::CommonResponse {})
            })
            .await;
        call.finish(result)
    }

    async fn list_tenants(
        &self,
        req: Request<pb::ListTenantsRequest>,
    ) -> Result<Response<pb::ListTenantsResponse>, Status> {
        let (call, msg) = self.begin("ListTenants", req);
        let result = call
            .run(async {
                let (dir, who) = call.caller()?;
                let pb::ListTenantsRequest {
                    lookup_org_id,
                    page_size,
                    page_token,
                } = msg;
                let page = PageRequest::parse(page_size, &page_token)?;
                let page = dir.list_tenants(&who, &lookup_org_id, page)?;
                Ok(pb::ListTenantsResponse {
                    tenants: page.items.into_iter().map(Into::into).collect(),
                    next_page_token: page.next_token,
                })
            })
            .await;
        call.finish(result)
    }

    async fn create_organization(
        &self,
        req: Request<pb::CreateOrganizationRequest>,
    ) -> Result<Response<pb::CommonResponse>, Status> {
        let (call, msg) = self.begin("CreateOrganization", req);
        let result = call
            .run(async {
                let (dir, who) = call.caller()?;
                let pb::CreateOrganizationRequest { organization } = msg;
                let org = required("organization", organization)?.try_into()?;
                dir.create_org(&who, org, call.deadline).await?;
                Ok(pb::CommonResponse {})
            })
            .await;
        call.finish(result)
    }

    async fn update_organization(
        &self,
        req: Request<pb::UpdateOrganizationRequest>,
    ) -> Result<Response<pb::CommonResponse>, Status> {
        let (call, msg) = self.begin("UpdateOrganization", req);
        let result = call
            .run(async {
                let (dir, who) = call.caller()?;
                let pb::UpdateOrganizationRequest { organization } = msg;
                let org = required("organization", organization)?.try_into()?;
                dir.update_org(&who, org, call.deadline).await?;
                Ok(pb::CommonResponse {})
            })
            .await;
        call.finish(result)
    }

    async fn delete_organization(
        &self,
        req: Request<pb::DeleteOrganizationRequest>,
    ) -> Result<Response<pb::CommonResponse>, Status> {
        let (call, msg) = self.begin("DeleteOrganization", req);
        let result = call
            .run(async {
                let (dir, who) = call.caller()?;
                let pb::DeleteOrganizationRequest { id } = msg;
                dir.delete_org(&who, id, call.deadline).await?;
                Ok(pb::CommonResponse {})
            })
            .await;
        call.finish(result)
    }

    async fn list_organizations(
        &self,
        req: Request<pb::ListOrganizationsRequest>,
    ) -> Result<Response<pb::ListOrganizationsResponse>, Status> {
        let (call, msg) = self.begin("ListOrganizations", req);
        let result = call
            .run(async {
                let (dir, who) = call.caller()?;
                let pb::ListOrganizationsRequest {
                    page_size,
                    page_token,
                } = msg;
                let page = PageRequest::parse(page_size, &page_token)?;
                let page = dir.list_orgs(&who, page)?;
                Ok(pb::ListOrganizationsResponse {
                    organizations: page.items.into_iter().map(Into::into).collect(),
                    next_page_token: page.next_token,
                })
            })
            .await;
        call.finish(result)
    }
}
