//! The chain validation built, and the pins found on it.
//!
//! A server may send any certificates it likes after its leaf; validation uses only those that
//! lead to a trusted root. Pins are matched on such a path — the leaf, the intermediates it
//! used and the trust anchor it ended at (which servers do not send) — never on what was
//! merely sent (OkHttp's CVE-2016-2402). WebPKI builds the path; our check runs on each
//! candidate, so a path through a pinned key is found if there is one.

use std::cell::RefCell;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rustls::pki_types::{CertificateDer, TrustAnchor, UnixTime};
use sha2::{Digest, Sha256};
use webpki::{EndEntityCert, KeyUsage, VerifiedPath};

use super::Pin;

/// What checking the pins on the validated paths found.
pub(super) enum PathCheck {
    /// A path to a trusted root goes through a pinned key.
    Pinned,
    /// Paths to trusted roots exist, but none has a pinned key: the pins of each, leaf first.
    Unpinned(Vec<Vec<Pin>>),
    /// No path to a trusted root could be built (WebPKI's reason).
    NoPath(String),
}

/// Looks for a path from `end_entity` through `intermediates` to one of `anchors` on which a
/// certificate's key hashes to one of `pins`.
pub(super) fn check(
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    anchors: &[TrustAnchor<'static>],
    algorithms: &[&dyn rustls::pki_types::SignatureVerificationAlgorithm],
    now: UnixTime,
    pins: &[Pin],
) -> PathCheck {
    let leaf = match EndEntityCert::try_from(end_entity) {
        Ok(leaf) => leaf,
        Err(error) => return PathCheck::NoPath(error.to_string()),
    };
    let tried: RefCell<Vec<Vec<Pin>>> = RefCell::new(Vec::new());
    let on_path = |path: &VerifiedPath<'_>| {
        let found = pins_of(path);
        if found.iter().any(|pin| pins.contains(pin)) {
            return Ok(());
        }
        tried.borrow_mut().push(found);
        // Any error makes WebPKI try the next path; this one is reported if none is left.
        Err(webpki::Error::UnknownIssuer)
    };
    let result = leaf.verify_for_usage(
        algorithms,
        anchors,
        intermediates,
        now,
        KeyUsage::server_auth(),
        None,
        Some(&on_path),
    );
    let tried = tried.into_inner();
    match result {
        Ok(_) => PathCheck::Pinned,
        Err(_) if !tried.is_empty() => PathCheck::Unpinned(tried),
        Err(error) => PathCheck::NoPath(error.to_string()),
    }
}

/// The pins of every certificate on `path`: leaf, intermediates, anchor (once each: a
/// self-signed leaf trusted as its own root is both).
fn pins_of(path: &VerifiedPath<'_>) -> Vec<Pin> {
    let mut pins = vec![hash(&path.end_entity().subject_public_key_info())];
    let rest = path
        .intermediate_certificates()
        .map(|certificate| hash(&certificate.subject_public_key_info()))
        .chain([hash(&webpki::spki_for_anchor(path.anchor()))]);
    for pin in rest {
        if !pins.contains(&pin) {
            pins.push(pin);
        }
    }
    pins
}

fn hash(spki: &[u8]) -> Pin {
    Sha256::digest(spki).into()
}

/// `sha256/<base64>`, the pin format.
pub(super) fn shown(pin: &Pin) -> String {
    format!("sha256/{}", BASE64.encode(pin))
}
