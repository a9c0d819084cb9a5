//! The listing form of a user (see `domain::ListingForm`): the protobuf
//! encoding of its `roster.v1.User`, which ListUsers splices into its answer
//! as it is (`wire::ListUsersResponse`).
//!
//! The form's version is worked out from the `roster.v1.User` message's
//! descriptor, so that adding, removing or renumbering a field gives a new
//! version by itself: listing forms a store kept under the old one are then
//! listed from their records instead (and replaced as users are written),
//! with no export and import. `REVISION` covers what the descriptor cannot
//! see: bump it when the conversion in `convert` changes what it encodes.

use std::sync::LazyLock;

use prost::Message as _;

use crate::domain::{ListingForm, User};
use crate::pb;

/// Bumped by hand when `From<User> for pb::User` changes its output.
const REVISION: u32 = 1;

/// The listing form ListUsers answers with.
pub fn form() -> ListingForm {
    static FORM: LazyLock<ListingForm> = LazyLock::new(|| ListingForm {
        version: version(pb::FILE_DESCRIPTOR_SET),
        encode,
    });
    *FORM
}

/// A user's listing form.
fn encode(user: &User) -> Vec<u8> {
    pb::User::from(user.clone()).encode_to_vec()
}

/// The version of the listing form under a descriptor set: a checksum of
/// the encoded descriptor of `roster.v1.User` and of `REVISION`.
fn version(descriptor_set: &[u8]) -> u32 {
    let set = prost_types::FileDescriptorSet::decode(descriptor_set)
        .expect("the compiled-in descriptor set decodes");
    let user = set
        .file
        .iter()
        .filter(|f| f.package() == "roster.v1")
        .flat_map(|f| &f.message_type)
        .find(|m| m.name() == "User")
        .expect("roster.v1 has a User message");
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&user.encode_to_vec());
    hasher.update(&REVISION.to_le_bytes());
    hasher.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The version follows the `User` message: the same descriptor gives the
    /// same version; one more field gives another.
    #[test]
    fn version_follows_the_user_message() {
        let v = version(pb::FILE_DESCRIPTOR_SET);
        assert_eq!(v, form().version);
        assert_eq!(v, version(pb::FILE_DESCRIPTOR_SET));
        let mut set = prost_types::FileDescriptorSet::decode(pb::FILE_DESCRIPTOR_SET).unwrap();
        let user = set
            .file
            .iter_mut()
            .flat_map(|f| &mut f.message_type)
            .find(|m| m.name() == "User")
            .unwrap();
        let mut field = user.field[0].clone();
        field.name = Some("nickname".into());
        field.number = Some(99);
        user.field.push(field);
        assert_ne!(version(&set.encode_to_vec()), v);
    }

    /// A form decodes as the user it encodes.
    #[test]
    fn forms_decode_as_users() {
        let user = User {
            id: "u".into(),
            name: "U".into(),
            org_id: "o".into(),
            tenant_id: Some("t".into()),
            roles: vec!["user".into()],
            ..Default::default()
        };
        let decoded = pb::User::decode((form().encode)(&user).as_slice()).unwrap();
        assert_eq!(decoded, pb::User::from(user));
    }
}
