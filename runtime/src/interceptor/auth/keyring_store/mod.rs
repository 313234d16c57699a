//! `KeyringTokenStore`: tokens kept in the operating system's credential store.

mod backend;
mod stored;

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use self::backend::{Backend, describe};
use super::tokens::{TokenStore, Tokens};
use crate::error::Result;

/// A [`TokenStore`] in the OS credential store, through the `keyring` crate: on Linux (and the
/// BSDs) the desktop's Secret Service — GNOME Keyring, KWallet —, which keeps them encrypted
/// on disk across reboots; the Keychain on macOS and iOS; the Credential Manager on Windows.
/// [`kernel_keyring`](Self::kernel_keyring) chooses the Linux kernel's keyutils instead, for
/// headless services. Tokens never touch a plain file or a log.
///
/// The store proves it can keep tokens when it is built (it writes, reads back and deletes a
/// probe entry), and fails with [`Error::Config`](crate::Error::Config) naming the cause and
/// the remedy otherwise.
///
/// Reads are served from memory after the first successful one; a read that fails (the
/// keyring daemon restarting) is not taken for "signed out" and is tried again at the next
/// call. Every change is written through. The compare-and-swap operations the auth interceptor
/// uses after a refresh compare with what the credential store holds *now*, so two processes
/// on one account (an app and its CLI) never overwrite or erase each other's newer tokens. A
/// write that fails keeps the tokens in memory for this process and logs a warning (without
/// them).
///
/// # Examples
///
/// ```no_run
/// use ferrofit::auth::{AuthInterceptor, KeyringTokenStore, Tokens};
///
/// let store = KeyringTokenStore::new("com.example.app", "alice@example.com")?;
/// let auth = AuthInterceptor::new(store, |tokens: Tokens| async move { Ok(tokens) });
/// # let _ = auth;
/// # Ok::<(), ferrofit::Error>(())
/// ```
pub struct KeyringTokenStore {
    entry: keyring::Entry,
    backend: Backend,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// `None` until read from the credential store.
    cached: Option<Option<Arc<Tokens>>>,
    /// The last read failed (logged once until a read succeeds again).
    failing: bool,
}

impl KeyringTokenStore {
    /// The tokens of `account` for the application `service`, in the platform's credential
    /// store (on Linux, the Secret Service).
    ///
    /// # Errors
    ///
    /// [`Error::Config`](crate::Error::Config) when the store cannot keep tokens: no Secret
    /// Service on the session bus, a locked collection, no keychain. The message says which
    /// step failed and what to do.
    pub fn new(service: &str, account: &str) -> Result<Self> {
        #[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
        let backend = Backend::SecretService;
        #[cfg(not(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd")))]
        let backend = Backend::Platform;
        Self::open(backend, service, account)
    }

    /// The tokens of `account` for `service` in the Linux kernel's keyring (keyutils): in
    /// kernel memory, in the session and the user's persistent keyring, without any daemon —
    /// and **gone at a reboot**. For headless services that can sign in again on their own;
    /// desktop apps want [`new`](Self::new). The process needs a session keyring of its own
    /// (a login session has one; a service can be started under `keyctl session -`).
    ///
    /// # Errors
    ///
    /// [`Error::Config`](crate::Error::Config) when the kernel keyring cannot keep tokens for
    /// this process, with the remedy.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// // A service started with `keyctl session - my-service`.
    /// let store = ferrofit::auth::KeyringTokenStore::kernel_keyring("my-service", "robot")?;
    /// # let _ = store;
    /// # Ok::<(), ferrofit::Error>(())
    /// ```
    #[cfg(target_os = "linux")]
    pub fn kernel_keyring(service: &str, account: &str) -> Result<Self> {
        Self::open(Backend::KernelKeyring, service, account)
    }

    fn open(backend: Backend, service: &str, account: &str) -> Result<Self> {
        backend.probe(service, account)?;
        Ok(Self {
            entry: backend.entry(service, account)?,
            backend,
            state: Mutex::new(State::default()),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// What the credential store holds now; `Err` when it cannot be read.
    fn read(&self) -> std::result::Result<Option<Arc<Tokens>>, keyring::Error> {
        match self.entry.get_password() {
            Ok(secret) => Ok(stored::decode(&secret).map(Arc::new)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Reads the store into the cache; `Err` (logged) when it cannot be read.
    fn refresh_cache(&self, state: &mut State) -> std::result::Result<Option<Arc<Tokens>>, ()> {
        match self.read() {
            Ok(held) => {
                state.failing = false;
                state.cached = Some(held.clone());
                Ok(held)
            }
            Err(error) => {
                if !state.failing {
                    tracing::warn!(error = %describe(&error), store = ?self.backend, "ferrofit: the OS credential store could not be read; trying again at the next call");
                }
                state.failing = true;
                Err(())
            }
        }
    }

    fn write(&self, tokens: &Tokens) {
        if let Err(error) = self.entry.set_password(&stored::encode(tokens)) {
            tracing::warn!(error = %describe(&error), store = ?self.backend, "ferrofit: the OS credential store could not store the tokens; they are kept in memory");
        }
    }

    fn erase(&self) {
        match self.entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => {}
            Err(error) => {
                tracing::warn!(error = %describe(&error), store = ?self.backend, "ferrofit: the OS credential store could not delete the tokens");
            }
        }
    }
}

impl TokenStore for KeyringTokenStore {
    fn get(&self) -> Option<Arc<Tokens>> {
        let mut state = self.lock();
        if let Some(cached) = &state.cached {
            return cached.clone();
        }
        self.refresh_cache(&mut state).ok().flatten()
    }

    fn set(&self, tokens: Tokens) {
        let mut state = self.lock();
        self.write(&tokens);
        state.cached = Some(Some(Arc::new(tokens)));
    }

    fn clear(&self) {
        let mut state = self.lock();
        self.erase();
        state.cached = Some(None);
    }

    fn compare_and_set(&self, current: &Tokens, new: Tokens) -> bool {
        let mut state = self.lock();
        // Another process may have written newer tokens: compare with what is stored now.
        match self.refresh_cache(&mut state) {
            Ok(held) if held.as_deref() == Some(current) => {
                self.write(&new);
                state.cached = Some(Some(Arc::new(new)));
                true
            }
            _ => false,
        }
    }

    fn compare_and_clear(&self, current: &Tokens) -> bool {
        let mut state = self.lock();
        match self.refresh_cache(&mut state) {
            Ok(held) if held.as_deref() == Some(current) => {
                self.erase();
                state.cached = Some(None);
                true
            }
            _ => false,
        }
    }
}

impl fmt::Debug for KeyringTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyringTokenStore")
            .field("store", &self.backend)
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::any::Any;

    use keyring::credential::CredentialApi;

    use super::*;

    /// A credential store shared by several entries (the same account seen from two
    /// processes), whose next read can be made to fail.
    #[derive(Clone, Default)]
    struct Shared {
        secret: Arc<Mutex<Option<Vec<u8>>>>,
        fail_next_read: Arc<Mutex<bool>>,
    }

    impl CredentialApi for Shared {
        fn set_secret(&self, secret: &[u8]) -> keyring::Result<()> {
            *self.secret.lock().expect("lock") = Some(secret.to_vec());
            Ok(())
        }

        fn get_secret(&self) -> keyring::Result<Vec<u8>> {
            if std::mem::take(&mut *self.fail_next_read.lock().expect("lock")) {
                return Err(keyring::Error::PlatformFailure(
                    "the daemon is restarting".into(),
                ));
            }
            self.secret
                .lock()
                .expect("lock")
                .clone()
                .ok_or(keyring::Error::NoEntry)
        }

        fn delete_credential(&self) -> keyring::Result<()> {
            self.secret
                .lock()
                .expect("lock")
                .take()
                .map(drop)
                .ok_or(keyring::Error::NoEntry)
        }

        fn as_any(&self) -> &dyn Any {
            self
        }
    }

    fn store(shared: &Shared) -> KeyringTokenStore {
        KeyringTokenStore {
            entry: keyring::Entry::new_with_credential(Box::new(shared.clone())),
            backend: Backend::KernelKeyring,
            state: Mutex::new(State::default()),
        }
    }

    #[test]
    fn a_failed_read_is_not_taken_for_signed_out() {
        let shared = Shared::default();
        store(&shared).set(Tokens::new("a1"));
        let cold = store(&shared);
        *shared.fail_next_read.lock().expect("lock") = true;
        assert!(
            cold.get().is_none(),
            "nothing can be said while the store fails"
        );
        assert_eq!(
            cold.get().unwrap().access_token(),
            "a1",
            "read again, not cached"
        );
    }

    #[test]
    fn compare_and_swap_compare_with_what_is_stored_now() {
        let shared = Shared::default();
        let (app, cli) = (store(&shared), store(&shared));
        app.set(Tokens::new("a1"));
        assert_eq!(app.get().unwrap().access_token(), "a1");
        // The CLI refreshes; the app still holds `a1` in memory.
        cli.set(Tokens::new("a2"));
        assert!(
            !app.compare_and_clear(&Tokens::new("a1")),
            "a2 is not erased"
        );
        assert!(
            !app.compare_and_set(&Tokens::new("a1"), Tokens::new("a3")),
            "nor overwritten"
        );
        assert_eq!(store(&shared).get().unwrap().access_token(), "a2");
        assert_eq!(
            app.get().unwrap().access_token(),
            "a2",
            "and the app learned of it"
        );
        *shared.fail_next_read.lock().expect("lock") = true;
        assert!(
            !app.compare_and_clear(&Tokens::new("a2")),
            "an unreadable store is not cleared"
        );
        assert!(app.compare_and_clear(&Tokens::new("a2")));
        assert!(store(&shared).get().is_none());
    }
}
