//! `roster.v1.ListUsersResponse`, written by hand instead of generated
//! (`build.rs` maps the message here with `extern_path`), so that the server
//! can answer a page of users with their stored encodings spliced in: the
//! store keeps each user's protobuf encoding beside its index entries
//! (`convert::user_listing`), and decoding and re-encoding a page cost more
//! than everything else in the call (BENCHMARKS.md).
//!
//! On the wire it is exactly the generated message: field 1 `repeated User
//! users`, field 2 `string next_page_token`. Clients (roster's own Rust
//! client included) decode into `users`; the server fills `listed`.

use prost::bytes::{Buf, BufMut};
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

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

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
