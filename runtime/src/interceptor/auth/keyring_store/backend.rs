//! Which credential store holds the tokens, and the proof, taken when the store is built, that
//! it really stores: a probe entry is written, read back and deleted. A store that cannot keep
//! tokens says so then, with the cause and what to do, instead of keeping them in memory and
//! signing the user out at the next start.

use crate::error::{Error, Result};

/// The operating system's credential store behind an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Backend {
    /// The freedesktop Secret Service on the session bus: GNOME Keyring, KWallet. On disk,
    /// encrypted, unlocked with the user's login.
    #[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
    SecretService,
    /// The kernel's keyutils: in memory, gone at a reboot.
    #[cfg(target_os = "linux")]
    KernelKeyring,
    /// The Keychain (Apple) or the Credential Manager (Windows).
    #[cfg(not(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd")))]
    Platform,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            #[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
            Self::SecretService => "the Secret Service (GNOME Keyring, KWallet)",
            #[cfg(target_os = "linux")]
            Self::KernelKeyring => "the kernel keyring (keyutils)",
            #[cfg(not(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd")))]
            Self::Platform => "the OS credential store",
        }
    }

    fn remedy(self) -> &'static str {
        match self {
            #[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
            Self::SecretService => {
                "run a Secret Service on the session bus and unlock its default collection (a desktop session does; headless, run the program under `dbus-run-session` with `gnome-keyring-daemon --unlock`), or use `KeyringTokenStore::kernel_keyring` for a service that may sign in again after a reboot"
            }
            #[cfg(target_os = "linux")]
            Self::KernelKeyring => {
                "the process needs a session keyring of its own: start it from a login session, or under `keyctl session -`"
            }
            #[cfg(not(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd")))]
            Self::Platform => {
                "make sure the user's keychain or Credential Manager is available and unlocked"
            }
        }
    }

    /// The entry for `account` of `service` in this store.
    pub(super) fn entry(self, service: &str, account: &str) -> Result<keyring::Entry> {
        let unavailable = |error: keyring::Error| self.unusable("opening an entry", &error);
        match self {
            #[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
            Self::SecretService => {
                keyring::secret_service::SsCredential::new_with_target(None, service, account)
                    .map(|credential| keyring::Entry::new_with_credential(Box::new(credential)))
                    .map_err(unavailable)
            }
            #[cfg(target_os = "linux")]
            Self::KernelKeyring => {
                keyring::keyutils::KeyutilsCredential::new_with_target(None, service, account)
                    .map(|credential| keyring::Entry::new_with_credential(Box::new(credential)))
                    .map_err(unavailable)
            }
            #[cfg(not(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd")))]
            Self::Platform => keyring::Entry::new(service, account).map_err(unavailable),
        }
    }

    /// `Error::Config` for a store that failed at `step`.
    pub(super) fn unusable(self, step: &str, error: &keyring::Error) -> Error {
        Error::config(format!(
            "{} cannot keep tokens ({step} failed: {}); {}",
            self.name(),
            describe(error),
            self.remedy()
        ))
    }

    /// Writes, reads back and deletes a probe entry beside the tokens' own.
    pub(super) fn probe(self, service: &str, account: &str) -> Result<()> {
        const VALUE: &str = "ferrofit probe";
        #[cfg(target_os = "linux")]
        if self == Self::KernelKeyring {
            self.check_session_keyring()?;
        }
        let probe = self.entry(service, &format!("{account}#ferrofit-probe"))?;
        let outcome = probe
            .set_password(VALUE)
            .map_err(|e| self.unusable("writing a probe entry", &e))
            .and_then(|()| match probe.get_password() {
                Ok(read) if read == VALUE => Ok(()),
                Ok(_) => Err(Error::config(format!(
                    "{} returned another value than was written to it; {}",
                    self.name(),
                    self.remedy()
                ))),
                Err(e) => Err(self.unusable("reading the probe entry back", &e)),
            });
        // Whatever happened, the probe does not stay behind.
        let deleted = match probe.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(self.unusable("deleting the probe entry", &e)),
        };
        outcome.and(deleted)
    }
}

impl Backend {
    /// Refuses a process whose session keyring is the user's session keyring (it has none of
    /// its own): keys added there cannot be found by a search of the session, so a store would
    /// read nothing back and every write would leave a token behind, out of `clear`'s reach.
    #[cfg(target_os = "linux")]
    fn check_session_keyring(self) -> Result<()> {
        use linux_keyutils::{KeyRing, KeyRingIdentifier};
        let session = KeyRing::from_special_id(KeyRingIdentifier::Session, false);
        let user_session = KeyRing::from_special_id(KeyRingIdentifier::UserSession, false);
        match (session, user_session) {
            (Ok(session), Ok(user_session)) if session != user_session => Ok(()),
            (Err(error), _) => Err(Error::config(format!(
                "{} cannot keep tokens (the session keyring cannot be found: {error}); {}",
                self.name(),
                self.remedy()
            ))),
            _ => Err(Error::config(format!(
                "{} cannot keep tokens (this process has no session keyring of its own, only the user's default one); {}",
                self.name(),
                self.remedy()
            ))),
        }
    }
}

/// What went wrong, without the bytes a `BadEncoding` error carries (they are the secret).
pub(super) fn describe(error: &keyring::Error) -> String {
    match error {
        keyring::Error::BadEncoding(_) => "the stored value is not UTF-8".to_owned(),
        other => other.to_string(),
    }
}
