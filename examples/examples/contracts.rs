//! Run with: cargo run --example contracts
//!
//! The trait as a contract: prints the OpenAPI 3.1 document of the quickstart trait, checks the
//! trait against it (and an outdated copy of the trait, which fails), then runs a typed-mock
//! scenario: a 401, one token refresh through the auth interceptor, then success.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ferrofit::auth::{AuthInterceptor, MemoryTokenStore, Tokens};
use ferrofit::contract::{self, Spec};
use ferrofit::rest_api;
use ferrofit_examples::demo_server::User;
use ferrofit_examples::quickstart_api::{UserApi, UserApiClient, UserApiMock};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

/// The user as an older client knew it: `mail`, since renamed `email`.
#[derive(Deserialize, JsonSchema)]
#[allow(dead_code)]
struct OldUser {
    id: u64,
    name: String,
    mail: String,
}

/// An outdated copy of the trait, kept by a client that was not updated.
#[rest_api]
#[allow(dead_code)]
trait OldUserApi {
    #[get("/user/<id>")]
    async fn get_user(&self, id: u64) -> ferrofit::Result<OldUser>;

    #[get("/users")]
    async fn list_users(
        &self,
        #[query] page: Option<u32>,
        #[query] per_page: Option<u32>,
    ) -> ferrofit::Result<Vec<OldUser>>;

    #[delete("/users/<id>")]
    async fn delete_user(&self, id: &str) -> ferrofit::Result<()>;
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("== the OpenAPI 3.1 document of the quickstart trait");
    let document = UserApiClient::openapi();
    println!("{document}");

    println!("\n== the trait checked against the document");
    let spec = Spec::from_json(document.into_json())?;
    let report = contract::check::<UserApiClient>(&spec);
    println!("{report}");
    if !report.is_ok() {
        return Err("the quickstart trait disagrees with its own document".into());
    }

    println!("\n== an outdated copy of the trait checked against the same document");
    let outdated = contract::check::<OldUserApiClient>(&spec);
    println!("{outdated}");
    if outdated.mismatches().len() < 4 {
        return Err("the outdated trait should have failed the check".into());
    }

    println!("\n== a typed mock: a 401, one refresh, then success");
    let mock = UserApiMock::new();
    mock.get_user()
        .with(|args| args.id == 1)
        .once()
        .returns_error(401, json!({"message": "token expired"}));
    mock.get_user()
        .with(|args| args.id == 1)
        .once()
        .returns(User {
            id: 1,
            name: "Ada".into(),
            email: "ada@example.com".into(),
            tags: vec!["admin".into()],
        });
    mock.delete_user().never();

    let refreshes = Arc::new(AtomicUsize::new(0));
    let counter = refreshes.clone();
    let refresher = move |_expired: Tokens| {
        counter.fetch_add(1, Ordering::SeqCst);
        async { Ok(Tokens::new("fresh-token").with_refresh("refresh-2")) }
    };
    let store = Arc::new(MemoryTokenStore::with_tokens(
        Tokens::new("expired-token").with_refresh("refresh-1"),
    ));
    // The production client, interceptors included; only the transport is the mock.
    let client = ferrofit::Client::builder()
        .base_url("https://api.example.com/v1/")
        .transport(mock.transport())
        .interceptor(AuthInterceptor::new(store, refresher))
        .build()?;
    let user = UserApiClient::new(client).get_user(1).await?;

    let sent: Vec<String> = mock
        .transport()
        .requests()
        .iter()
        .map(|r| {
            // Which token went out, without printing it.
            let auth = r
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok());
            let token = match auth {
                Some("Bearer expired-token") => "the expired token",
                Some("Bearer fresh-token") => "the refreshed token",
                Some(_) => "another token",
                None => "no token",
            };
            format!("{} {} with {token}", r.method(), r.url().path())
        })
        .collect();
    println!("get_user(1)              -> {} <{}>", user.name, user.email);
    println!("requests the mock saw    -> {sent:?}");
    println!(
        "token refreshes          -> {}",
        refreshes.load(Ordering::SeqCst)
    );
    mock.verify();
    println!("mock.verify()            -> every expectation met, no unexpected call");
    if refreshes.load(Ordering::SeqCst) != 1 || sent.len() != 2 {
        return Err("expected one refresh and two requests".into());
    }
    Ok(())
}
