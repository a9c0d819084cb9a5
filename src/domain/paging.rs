//! Pages of lists (docs/contract.md §6): sizes, and opaque tokens that carry the last id
//! of the previous page, so they stay valid while objects come and go.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};

use super::{validate, Error, Result};

/// Largest page, and the size of a page when none is asked for.
pub const MAX_PAGE_SIZE: usize = 1000;
const TOKEN_VERSION: &str = "v1:";

/// Where a page starts, how long it is, and which ids it holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageRequest {
    /// Items per page, 1-1000.
    pub limit: usize,
    /// The page holds only ids after this one: the last id of the previous
    /// page, or (with a prefix) the last possible id before the prefix's
    /// first, whichever is later; empty for the first page.
    pub after: String,
    /// The page holds only ids that start with this; empty for all.
    pub prefix: String,
}

impl PageRequest {
    /// Reads `page_size` and `page_token` of a List request.
    pub fn parse(page_size: i32, page_token: &str) -> Result<Self> {
        let limit = match page_size {
            n if n < 0 => return Err(Error::invalid("page_size", "must not be negative")),
            0 => MAX_PAGE_SIZE,
            n => (n as usize).min(MAX_PAGE_SIZE),
        };
        let after = if page_token.is_empty() {
            String::new()
        } else {
            decode(page_token)
                .ok_or_else(|| Error::invalid("page_token", "is not a token this server issued"))?
        };
        Ok(PageRequest {
            limit,
            after,
            prefix: String::new(),
        })
    }

    /// The same page, of ids starting with `prefix` only (the `id_prefix`
    /// of a List request; empty for every id). A prefix is validated as an
    /// id, since every non-empty start of an id is one.
    pub fn with_prefix(self, prefix: &str) -> Result<Self> {
        if prefix.is_empty() {
            return Ok(self);
        }
        validate::id("id_prefix", prefix)?;
        let after = self.after.max(just_before(prefix));
        Ok(PageRequest {
            after,
            prefix: prefix.to_owned(),
            ..self
        })
    }

    /// Whether an id read after the cursor belongs on the page.
    fn admits(&self, id: &str) -> bool {
        id.starts_with(&self.prefix)
    }
}

/// A string that sorts before `prefix` and after every id that sorts
/// before it (the cursor a store lists after, ids being ASCII below DEL):
/// `ab` → `aa\x7f`.
fn just_before(prefix: &str) -> String {
    let (last, start) = prefix
        .as_bytes()
        .split_last()
        .expect("a validated prefix is not empty");
    let mut cursor = String::from_utf8(start.to_vec()).expect("ids are ASCII");
    cursor.push(char::from(last - 1));
    cursor.push('\u{7f}');
    cursor
}

/// One page of a list.
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The token of the next page; empty on the last page.
    pub next_token: String,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` items read, in id order, after
    /// `page`'s cursor: those past the prefix are dropped, and the extra
    /// item, if left, only tells that another page follows.
    pub fn from_overfetch(mut items: Vec<T>, page: &PageRequest, id: impl Fn(&T) -> &str) -> Self {
        let limit = page.limit;
        let admitted = items
            .iter()
            .take_while(|item| page.admits(id(item)))
            .count();
        items.truncate(admitted);
        let next_token = if items.len() > limit {
            items.truncate(limit);
            items
                .last()
                .map(|last| encode(id(last)))
                .unwrap_or_default()
        } else {
            String::new()
        };
        Page { items, next_token }
    }
}

/// How users are listed: the bytes a page of users is made of, and the
/// version of that encoding. The surface that answers ListUsers supplies it
/// (its protobuf encoding of a user); the directory and the store only pass
/// the bytes along. A store may keep each user's form beside its index
/// entries and hand it out as it is while `version` matches, so that a page
/// costs no decoding and encoding per user; a form of another version is a
/// stale cache entry, listed through `encode` instead. Changing the
/// encoding therefore needs only a new `version`, never a migration.
#[derive(Clone, Copy, Debug)]
pub struct ListingForm {
    /// Names the encoding; any change to what `encode` answers needs a new
    /// one.
    pub version: u32,
    /// A user's listing form.
    pub encode: fn(&super::User) -> Vec<u8>,
}

/// Users as the store lists them: each one's id and listing form
/// ([`ListingForm`]), back to back in one buffer: a page is read on every
/// ListUsers, and this costs no allocation per user.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Listings {
    bytes: Vec<u8>,
    /// Per user: where its id ends and where its listing form ends.
    ends: Vec<(usize, usize)>,
}

impl Listings {
    /// Room for `users` users of `bytes` bytes (ids and forms) in all.
    pub fn with_capacity(users: usize, bytes: usize) -> Self {
        Listings {
            bytes: Vec::with_capacity(bytes),
            ends: Vec::with_capacity(users),
        }
    }

    /// Appends a user.
    pub fn push(&mut self, id: &str, form: &[u8]) {
        self.push_bytes(id.as_bytes(), form);
    }

    /// Appends a user whose id the caller has as bytes (a store's key),
    /// without checking them again: an id that is not UTF-8 would read back
    /// as empty (a page's token names the last one).
    pub fn push_bytes(&mut self, id: &[u8], form: &[u8]) {
        self.bytes.extend_from_slice(id);
        let id_end = self.bytes.len();
        self.bytes.extend_from_slice(form);
        self.ends.push((id_end, self.bytes.len()));
    }

    /// How many users.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Each user's id and listing form, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        (0..self.len()).map(|i| (self.id(i), self.form(i)))
    }

    /// Each user's listing form, in order.
    pub fn forms(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.len()).map(|i| self.form(i))
    }

    fn start(&self, i: usize) -> usize {
        i.checked_sub(1).map_or(0, |prev| self.ends[prev].1)
    }

    fn id(&self, i: usize) -> &str {
        // Pushed as a str, so always UTF-8.
        std::str::from_utf8(&self.bytes[self.start(i)..self.ends[i].0]).unwrap_or_default()
    }

    fn form(&self, i: usize) -> &[u8] {
        &self.bytes[self.ends[i].0..self.ends[i].1]
    }

    /// Keeps the first `n` users.
    fn truncate(&mut self, n: usize) {
        if n < self.ends.len() {
            self.bytes.truncate(self.start(n));
            self.ends.truncate(n);
        }
    }
}

/// A page of users in their listing forms.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListingPage {
    pub users: Listings,
    /// The token of the next page; empty on the last page.
    pub next_token: String,
}

impl ListingPage {
    /// [`Page::from_overfetch`] for listings.
    pub fn from_overfetch(mut users: Listings, page: &PageRequest) -> Self {
        let limit = page.limit;
        if !page.prefix.is_empty() {
            let admitted = users.iter().take_while(|(id, _)| page.admits(id)).count();
            users.truncate(admitted);
        }
        let next_token = if users.len() > limit {
            users.truncate(limit);
            match users.len() {
                0 => String::new(),
                n => encode(users.id(n - 1)),
            }
        } else {
            String::new()
        };
        ListingPage { users, next_token }
    }
}

fn encode(after: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{TOKEN_VERSION}{after}"))
}

fn decode(token: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let after = text.strip_prefix(TOKEN_VERSION)?;
    let ok = !after.is_empty()
        && after.len() <= 256
        && after.bytes().all(|b| b.is_ascii_graphic() && b != b'/');
    ok.then(|| after.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Listings hand back what was pushed; a page of them cuts after
    /// `limit` and names the last kept id in its token.
    #[test]
    fn listings() {
        let mut l = Listings::default();
        for (id, form) in [("a", &b"1"[..]), ("bb", b""), ("ccc", b"333")] {
            l.push(id, form);
        }
        let all: Vec<_> = l.iter().collect();
        assert_eq!(all, [("a", &b"1"[..]), ("bb", b""), ("ccc", b"333")]);
        let page = ListingPage::from_overfetch(l.clone(), &size(2));
        let kept: Vec<_> = page.users.iter().collect();
        assert_eq!(kept, [("a", &b"1"[..]), ("bb", b"")]);
        assert_eq!(decode(&page.next_token).as_deref(), Some("bb"));
        let whole = ListingPage::from_overfetch(l.clone(), &size(3));
        assert_eq!((whole.users, whole.next_token), (l.clone(), String::new()));
        let mut none = l;
        none.truncate(0);
        assert!(none.is_empty() && none.iter().next().is_none());
    }

    fn size(n: i32) -> PageRequest {
        PageRequest::parse(n, "").unwrap()
    }

    /// A prefix moves the cursor to just before its first possible id
    /// (unless the token's is later) and ends the page at the first id
    /// past it, on listings as on items.
    #[test]
    fn prefixes() {
        let page = size(2).with_prefix("ab").unwrap();
        assert_eq!(
            (page.after.as_str(), page.prefix.as_str()),
            ("aa\u{7f}", "ab")
        );
        for before in ["a", "aa", "aaz", "aa.", "aa~"] {
            assert!(before < page.after.as_str(), "{before}");
        }
        for inside in ["ab", "ab-", "ab0", "abz"] {
            assert!(inside > page.after.as_str(), "{inside}");
        }
        let later = PageRequest::parse(2, &encode("abc")).unwrap();
        assert_eq!(later.with_prefix("ab").unwrap().after, "abc");
        assert_eq!(size(1).with_prefix("").unwrap(), size(1));
        for bad in ["-a", "a b", &"a".repeat(129)] {
            let e = size(1).with_prefix(bad).unwrap_err();
            assert!(e.to_string().contains("id_prefix"), "{bad}: {e}");
        }

        let read = || vec!["ab", "ab1", "abc", "ac", "b"];
        let all = Page::from_overfetch(read(), &page, |s| s);
        assert_eq!(
            (all.items, all.next_token.as_str()),
            (vec!["ab", "ab1"], encode("ab1").as_str())
        );
        let wide = size(5).with_prefix("ab").unwrap();
        let last = Page::from_overfetch(read(), &wide, |s| s);
        assert_eq!(
            (last.items, last.next_token),
            (vec!["ab", "ab1", "abc"], String::new())
        );
        let mut l = Listings::default();
        for id in read() {
            l.push(id, id.as_bytes());
        }
        let listed = ListingPage::from_overfetch(l, &wide);
        let ids: Vec<_> = listed.users.iter().map(|(id, _)| id).collect();
        assert_eq!(
            (ids, listed.next_token),
            (vec!["ab", "ab1", "abc"], String::new())
        );
    }

    /// Sizes: 0 means 1000, larger values clamp, negative is refused.
    #[test]
    fn sizes() {
        assert_eq!(PageRequest::parse(0, "").unwrap().limit, 1000);
        assert_eq!(PageRequest::parse(5000, "").unwrap().limit, 1000);
        assert_eq!(PageRequest::parse(7, "").unwrap().limit, 7);
        assert!(PageRequest::parse(-1, "").is_err());
    }

    /// Tokens round-trip; garbage is refused.
    #[test]
    fn tokens() {
        let page = Page::from_overfetch(vec!["a", "b", "c"], &size(2), |s| s);
        assert_eq!(page.items, ["a", "b"]);
        let next = PageRequest::parse(2, &page.next_token).unwrap();
        assert_eq!(next.after, "b");
        for bad in ["%%%", "Zm9v", "djE6", "djE6YS9i"] {
            assert!(PageRequest::parse(1, bad).is_err(), "{bad}");
        }
        assert!(Page::from_overfetch(vec!["a"], &size(2), |s| s)
            .next_token
            .is_empty());
    }
}
