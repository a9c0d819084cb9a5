//! Two answers written by hand instead of generated (`build.rs` maps the
//! messages here with `extern_path`), so that the server can send bytes it
//! encoded earlier:
//!
//! - `roster.v1.ListUsersResponse`, a page of users with their stored
//!   encodings spliced in: the store keeps each user's protobuf encoding
//!   beside its index entries (`convert::user_listing`), and decoding and
//!   re-encoding a page cost more than everything else in the call
//!   (BENCHMARKS.md);
//! - `roster.v1.GetUserInfoResponse`, encoded once per cached caller
//!   (`auth::Caller::info`), so that a GetInfo builds no strings.
//!
//! On the wire each is exactly the generated message. Clients (roster's own
//! Rust client included) decode into the fields; the server fills the
//! encoded form (`listed`, `encoded`), written after any fields that are set.

use prost::bytes::{Buf, BufMut, Bytes};
use prost::encoding::{self, message, string, DecodeContext, WireType};
use prost::DecodeError;

use crate::domain::Listings;
use crate::pb;

/// Answer of ListUsers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListUsersResponse {
    /// The users of this page, sorted by id (as a client decodes them).
    pub users: Vec<pb::User>,
    /// The users of this page, sorted by id, each already encoded as a
    /// `roster.v1.User` (as the server sends them; written after `users`).
    pub listed: Listings,
    /// The token of the next page; empty on the last page.
    pub next_page_token: String,
}

const USERS: u32 = 1;
const NEXT_PAGE_TOKEN: u32 = 2;

impl prost::Message for ListUsersResponse {
    fn encode_raw(&self, buf: &mut impl BufMut) {
        message::encode_repeated(USERS, &self.users, buf);
        for user in self.listed.forms() {
            encoding::encode_key(USERS, WireType::LengthDelimited, buf);
            encoding::encode_varint(user.len() as u64, buf);
            buf.put_slice(user);
        }
        if !self.next_page_token.is_empty() {
            string::encode(NEXT_PAGE_TOKEN, &self.next_page_token, buf);
        }
    }

    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        match tag {
            USERS => message::merge_repeated(wire_type, &mut self.users, buf, ctx),
            NEXT_PAGE_TOKEN => string::merge(wire_type, &mut self.next_page_token, buf, ctx),
            _ => encoding::skip_field(wire_type, tag, buf, ctx),
        }
    }

    fn encoded_len(&self) -> usize {
        let listed: usize = self
            .listed
            .forms()
            .map(|u| {
                encoding::key_len(USERS) + encoding::encoded_len_varint(u.len() as u64) + u.len()
            })
            .sum();
        let token = match self.next_page_token.is_empty() {
            true => 0,
            false => string::encoded_len(NEXT_PAGE_TOKEN, &self.next_page_token),
        };
        message::encoded_len_repeated(USERS, &self.users) + listed + token
    }

    fn clear(&mut self) {
        self.users.clear();
        self.listed = Listings::default();
        self.next_page_token.clear();
    }
}

/// Answer of GetInfo: the calling (or impersonated) user.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GetUserInfoResponse {
    /// The user's id.
    pub id: String,
    /// The user's display name.
    pub name: String,
    /// The user's email address; empty when none is set.
    pub email: String,
    /// The user's roles, in the order in which they were given.
    pub roles: Vec<String>,
    /// The union of the roles' permissions and the self permissions.
    pub permissions: Vec<String>,
    /// The built-in roles the user may give, lowest first.
    pub grantable_roles: Vec<String>,
    /// The whole answer, already encoded (as the server sends it; a client
    /// decodes into the fields above and leaves this empty).
    pub encoded: Bytes,
}

const INFO_ID: u32 = 1;
const INFO_NAME: u32 = 2;
const INFO_EMAIL: u32 = 3;
const INFO_ROLES: u32 = 4;
const INFO_PERMISSIONS: u32 = 5;
const INFO_GRANTABLE_ROLES: u32 = 6;

impl GetUserInfoResponse {
    /// The answer as the server sends it: `fields` encoded, and nothing
    /// else (what `auth::Caller::info` keeps).
    pub fn encode_fields(fields: &GetUserInfoResponse) -> Bytes {
        Bytes::from(prost::Message::encode_to_vec(fields))
    }

    /// The answer of already encoded bytes (of [`Self::encode_fields`]).
    pub fn encoded(encoded: Bytes) -> Self {
        GetUserInfoResponse {
            encoded,
            ..Default::default()
        }
    }
}

impl prost::Message for GetUserInfoResponse {
    fn encode_raw(&self, buf: &mut impl BufMut) {
        for (tag, value) in [
            (INFO_ID, &self.id),
            (INFO_NAME, &self.name),
            (INFO_EMAIL, &self.email),
        ] {
            if !value.is_empty() {
                string::encode(tag, value, buf);
            }
        }
        string::encode_repeated(INFO_ROLES, &self.roles, buf);
        string::encode_repeated(INFO_PERMISSIONS, &self.permissions, buf);
        string::encode_repeated(INFO_GRANTABLE_ROLES, &self.grantable_roles, buf);
        buf.put_slice(&self.encoded);
    }

    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        match tag {
            INFO_ID => string::merge(wire_type, &mut self.id, buf, ctx),
            INFO_NAME => string::merge(wire_type, &mut self.name, buf, ctx),
            INFO_EMAIL => string::merge(wire_type, &mut self.email, buf, ctx),
            INFO_ROLES => string::merge_repeated(wire_type, &mut self.roles, buf, ctx),
            INFO_PERMISSIONS => string::merge_repeated(wire_type, &mut self.permissions, buf, ctx),
            INFO_GRANTABLE_ROLES => {
                string::merge_repeated(wire_type, &mut self.grantable_roles, buf, ctx)
            }
            _ => encoding::skip_field(wire_type, tag, buf, ctx),
        }
    }

    fn encoded_len(&self) -> usize {
        let strings: usize = [
            (INFO_ID, &self.id),
            (INFO_NAME, &self.name),
            (INFO_EMAIL, &self.email),
        ]
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(tag, value)| string::encoded_len(tag, value))
        .sum();
        strings
            + string::encoded_len_repeated(INFO_ROLES, &self.roles)
            + string::encoded_len_repeated(INFO_PERMISSIONS, &self.permissions)
            + string::encoded_len_repeated(INFO_GRANTABLE_ROLES, &self.grantable_roles)
            + self.encoded.len()
    }

    fn clear(&mut self) {
        *self = GetUserInfoResponse::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    /// GetInfo's answer: the fields encode as the generated message would,
    /// the pre-encoded form sends the same bytes, and both decode into the
    /// fields.
    #[test]
    fn info_encodes_as_generated() {
        #[derive(Clone, PartialEq, prost::Message)]
        struct Generated {
            #[prost(string, tag = "1")]
            id: String,
            #[prost(string, tag = "2")]
            name: String,
            #[prost(string, tag = "3")]
            email: String,
            #[prost(string, repeated, tag = "4")]
            roles: Vec<String>,
            #[prost(string, repeated, tag = "5")]
            permissions: Vec<String>,
            #[prost(string, repeated, tag = "6")]
            grantable_roles: Vec<String>,
        }
        let strings = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        for (email, grantable) in [("", vec![]), ("a@b.c", strings(&["user"]))] {
            let fields = GetUserInfoResponse {
                id: "admin".into(),
                name: "Ädmin".into(),
                email: email.into(),
                roles: strings(&["super-admin", "app:x"]),
                permissions: strings(&["orgs:read", "self:read"]),
                grantable_roles: grantable.clone(),
                encoded: Bytes::new(),
            };
            let generated = Generated {
                id: fields.id.clone(),
                name: fields.name.clone(),
                email: fields.email.clone(),
                roles: fields.roles.clone(),
                permissions: fields.permissions.clone(),
                grantable_roles: grantable,
            }
            .encode_to_vec();
            assert_eq!(fields.encode_to_vec(), generated);
            assert_eq!(fields.encoded_len(), generated.len());
            let sent = GetUserInfoResponse::encoded(GetUserInfoResponse::encode_fields(&fields));
            assert_eq!(sent.encode_to_vec(), generated);
            assert_eq!(sent.encoded_len(), generated.len());
            assert_eq!(
                GetUserInfoResponse::decode(generated.as_slice()).unwrap(),
                fields
            );
        }
    }

    /// What the server sends decodes, with roster's own client type and as
    /// the generated `User`s, into what was listed; and the encoding is the
    /// one prost derives for the same fields.
    #[test]
    fn spliced_users_decode_as_generated_ones() {
        #[derive(Clone, PartialEq, prost::Message)]
        struct Generated {
            #[prost(message, repeated, tag = "1")]
            users: Vec<pb::User>,
            #[prost(string, tag = "2")]
            next_page_token: String,
        }
        let user = |id: &str| pb::User {
            id: id.into(),
            name: format!("User {id}"),
            org_id: "o".into(),
            roles: vec!["user".into()],
            variables: Some(prost_types::Struct::default()),
            created_at: 1,
            updated_at: 2,
            ..Default::default()
        };
        let users = vec![user("a"), user("b"), user("c")];
        for token in ["", "next"] {
            let mut listed = Listings::default();
            for user in &users {
                listed.push(&user.id, &user.encode_to_vec());
            }
            let sent = ListUsersResponse {
                users: vec![],
                listed,
                next_page_token: token.into(),
            };
            let bytes = sent.encode_to_vec();
            assert_eq!(bytes.len(), sent.encoded_len());
            let generated = Generated {
                users: users.clone(),
                next_page_token: token.into(),
            };
            assert_eq!(bytes, generated.encode_to_vec());
            let received = ListUsersResponse::decode(bytes.as_slice()).unwrap();
            assert_eq!(received.users, users);
            assert_eq!(received.next_page_token, token);
            assert!(received.listed.is_empty());
            assert_eq!(received.encode_to_vec(), bytes);
        }
    }
}
