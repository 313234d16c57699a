//! Run with: cargo run --example quickstart
//!
//! Declares a trait, gets a generated client, and calls an in-process demo API with it:
//! typed results, query and header parameters, a 422 turned into field errors, a HEAD with
//! headers, and a cancelled call.

use std::time::Duration;

use ferrofit::{CancelToken, Error};
use ferrofit_examples::demo_server::DemoServer;
use ferrofit_examples::quickstart_api::{NewUser, UserApi, UserApiClient};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = DemoServer::start().await?;
    println!("demo API listening at {}", server.base_url());

    let client = ferrofit::Client::builder()
        .base_url(server.base_url())
        .connect_timeout(Duration::from_secs(5))
        .receive_timeout(Duration::from_secs(10))
        .default_header("Accept-Language", "en")
        .build()?;
    let api = UserApiClient::new(client);

    let ada = api.get_user(1).await?;
    println!("get_user(1)            -> {} <{}>", ada.name, ada.email);

    let admins = api.list_users(None, 10, &["admin"]).await?;
    let names: Vec<&str> = admins.iter().map(|u| u.name.as_str()).collect();
    println!("list_users(tag=admin)  -> {names:?}");

    let grace = NewUser {
        name: "Grace",
        email: "grace@example.com",
        tags: &["navy"],
    };
    let created = api.create_user(&grace, "req-1").await?;
    println!("create_user(Grace)     -> id {}", created.id);

    let invalid = NewUser {
        name: "",
        email: "nope",
        tags: &[],
    };
    match api.create_user(&invalid, "req-2").await {
        Err(Error::Validation { fields, .. }) => {
            println!("create_user(invalid)   -> 422, fields:");
            for (field, messages) in &fields {
                println!(
                    "                            {field}: {}",
                    messages.join("; ")
                );
            }
        }
        other => return Err(format!("expected a validation error, got {other:?}").into()),
    }

    match api.get_user(999).await {
        Err(error) => println!(
            "get_user(999)          -> {error} (status {:?})",
            error.status()
        ),
        Ok(user) => return Err(format!("expected 404, got {user:?}").into()),
    }

    let health = api.health().await?;
    println!(
        "health()               -> {} x-version={:?}",
        health.status(),
        health.headers().get("x-version")
    );

    api.delete_user(created.id, &CancelToken::new()).await?;
    println!("{:<22} -> done", format!("delete_user({})", created.id));

    let cancel = CancelToken::new();
    let canceller = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        canceller.cancel("the user pressed Cancel");
    });
    match api.slow(&cancel).await {
        Err(error @ Error::Cancelled { .. }) => println!("slow()                 -> {error}"),
        other => return Err(format!("expected a cancelled call, got {other:?}").into()),
    }
    Ok(())
}
