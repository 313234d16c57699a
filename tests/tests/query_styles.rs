//! OpenAPI serialization styles over loopback: comma-joined (GitHub's `labels=bug,ui`), space-
//! and pipe-delimited, and `deepObject` queries and bracketed forms (Stripe's
//! `metadata[k]=v`, `items[0][price]=p`), read back by an independent parser (`serde_qs`, the
//! Rails/qs bracket convention) and by the typed mock.

mod support;

use std::collections::BTreeMap;

use ferrofit::rest_api;
use serde::{Deserialize, Serialize};
use support::{Answer, CaptureServer, NO_CONTENT};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
struct Created {
    gte: Option<i64>,
    lt: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
struct Item {
    price: String,
    quantity: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
struct NewSession {
    mode: String,
    line_items: Vec<Item>,
    metadata: BTreeMap<String, String>,
    expand: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
struct Filter {
    status: String,
    owner: Owner,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
struct Owner {
    login: String,
}

#[rest_api]
trait Styles {
    #[get("/issues")]
    async fn issues(
        &self,
        #[query(explode = false)] labels: &[&str],
        #[query(style = "spaceDelimited")] words: &[String],
        #[query(style = "pipeDelimited")] ids: Vec<u32>,
    ) -> ferrofit::Result<()>;

    #[get("/charges")]
    async fn charges(
        &self,
        #[query(style = "deepObject")] created: &Created,
        #[query("expand[]")] expand: &[&str],
    ) -> ferrofit::Result<()>;

    #[get("/search")]
    async fn search(
        &self,
        #[query_map(style = "deepObject")] filter: &Filter,
    ) -> ferrofit::Result<()>;

    #[post("/checkout/sessions")]
    #[form]
    async fn create_session(
        &self,
        #[field_map(style = "deepObject")] session: &NewSession,
    ) -> ferrofit::Result<()>;

    #[post("/customers")]
    #[form]
    async fn create_customer(
        &self,
        #[field] email: &str,
        #[field(style = "deepObject")] metadata: &BTreeMap<String, String>,
        #[field(explode = false)] tags: &[&str],
    ) -> ferrofit::Result<()>;
}

/// `serde_qs` as a Rack or PHP server reads brackets: percent-decoded first (its non-strict
/// mode; strict mode wants the brackets unescaped, which RFC 3986 does not allow in a query).
fn qs() -> serde_qs::Config {
    serde_qs::Config::new(5, false)
}

async fn setup() -> (CaptureServer, StylesClient) {
    let server = CaptureServer::start(Answer::Full(NO_CONTENT)).await;
    let api = StylesClient::new(support::client(&server.base_url));
    (server, api)
}

fn session() -> NewSession {
    NewSession {
        mode: "payment".into(),
        line_items: vec![
            Item {
                price: "price_1".into(),
                quantity: 2,
            },
            Item {
                price: "price 2&3".into(),
                quantity: 1,
            },
        ],
        metadata: BTreeMap::from([("order_id".into(), "6735".into())]),
        expand: vec!["payment_intent".into()],
    }
}

#[tokio::test]
async fn delimited_styles_join_one_value_and_escape_their_own_delimiters() {
    let (server, api) = setup().await;
    api.issues(&["bug", "ui,ux"], &["a".into(), "b".into()], vec![1, 2])
        .await
        .unwrap();
    assert_eq!(
        server.last().target,
        "/issues?labels=bug,ui%2Cux&words=a%20b&ids=1|2"
    );
    api.issues(&[], &[], Vec::new()).await.unwrap();
    assert_eq!(server.last().target, "/issues", "empty lists send nothing");
}

#[tokio::test]
async fn deep_object_queries_nest_in_brackets_and_parse_back_independently() {
    let (server, api) = setup().await;
    let created = Created {
        gte: Some(1_700_000_000),
        lt: None,
    };
    api.charges(&created, &["data.customer"]).await.unwrap();
    let target = server.last().target;
    assert_eq!(
        target,
        "/charges?created%5Bgte%5D=1700000000&expand%5B%5D=data.customer"
    );
    api.search(&Filter {
        status: "open".into(),
        owner: Owner {
            login: "octo cat".into(),
        },
    })
    .await
    .unwrap();
    let query = server.last().target.split_once('?').unwrap().1.to_owned();
    let parsed: Filter = qs()
        .deserialize_str(&query)
        .expect("serde_qs reads the brackets");
    assert_eq!(parsed.owner.login, "octo cat");
    assert_eq!(parsed.status, "open");
}

#[tokio::test]
async fn bracketed_forms_are_what_a_qs_parser_reads_back() {
    let (server, api) = setup().await;
    api.create_session(&session()).await.unwrap();
    let seen = server.last();
    assert_eq!(
        seen.header_values("content-type"),
        ["application/x-www-form-urlencoded"]
    );
    let body = String::from_utf8(seen.body).unwrap();
    assert!(
        body.starts_with("expand%5B0%5D=payment_intent&line_items%5B0%5D%5Bprice%5D=price_1"),
        "{body}"
    );
    let parsed: NewSession = qs()
        .deserialize_str(&body)
        .expect("serde_qs reads the form");
    assert_eq!(parsed, session());

    api.create_customer(
        "ada@example.com",
        &BTreeMap::from([("plan".into(), "pro".into())]),
        &["vip", "beta"],
    )
    .await
    .unwrap();
    let body = String::from_utf8(server.last().body).unwrap();
    assert_eq!(
        body,
        "email=ada%40example.com&metadata%5Bplan%5D=pro&tags=vip%2Cbeta"
    );
}

#[tokio::test]
async fn a_key_with_a_bracket_is_refused_before_anything_is_sent() {
    let (server, api) = setup().await;
    let error = api
        .create_customer("a@b.c", &BTreeMap::from([("x]y".into(), "1".into())]), &[])
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ferrofit::Error::InvalidRequest { message, .. } if message.contains("bracket")),
        "{error:?}"
    );
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn the_typed_mock_reads_every_style_back_into_the_arguments() {
    let mock = StylesMock::new();
    mock.issues()
        .with(|args| {
            args.labels == ["bug", "ui,ux"] && args.words == ["a", "b"] && args.ids == [1, 2]
        })
        .returns(());
    mock.charges()
        .with(|args| args.created.gte == Some(5) && args.expand == ["x"])
        .returns(());
    mock.search()
        .with(|args| args.filter.owner.login == "octo cat")
        .returns(());
    mock.create_session()
        .with(|args| args.session == session())
        .returns(());
    mock.create_customer()
        .with(|args| args.metadata["plan"] == "pro" && args.tags == ["vip", "beta"])
        .returns(());
    let api = StylesClient::new(mock.client());
    api.issues(&["bug", "ui,ux"], &["a".into(), "b".into()], vec![1, 2])
        .await
        .unwrap();
    api.charges(
        &Created {
            gte: Some(5),
            lt: None,
        },
        &["x"],
    )
    .await
    .unwrap();
    api.search(&Filter {
        status: "open".into(),
        owner: Owner {
            login: "octo cat".into(),
        },
    })
    .await
    .unwrap();
    api.create_session(&session()).await.unwrap();
    api.create_customer(
        "a@b.c",
        &BTreeMap::from([("plan".into(), "pro".into())]),
        &["vip", "beta"],
    )
    .await
    .unwrap();
    mock.verify();
}

#[test]
fn the_export_writes_each_style_and_the_bracketed_encodings() {
    let doc = StylesClient::openapi().into_json();
    let params = |path: &str| doc["paths"][path]["get"]["parameters"].clone();
    let style =
        |p: &serde_json::Value| (p["name"].clone(), p["style"].clone(), p["explode"].clone());
    let issues: Vec<_> = params("/issues")
        .as_array()
        .unwrap()
        .iter()
        .map(style)
        .collect();
    assert_eq!(
        issues,
        [
            ("labels".into(), "form".into(), false.into()),
            ("words".into(), "spaceDelimited".into(), false.into()),
            ("ids".into(), "pipeDelimited".into(), false.into()),
        ]
    );
    assert_eq!(params("/charges")[0]["style"], "deepObject");
    assert_eq!(params("/search")[0]["style"], "deepObject");
    let session = &doc["paths"]["/checkout/sessions"]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"];
    assert_eq!(session["schema"]["$ref"], "#/components/schemas/NewSession");
    let encoding = session["encoding"].as_object().unwrap();
    let mut nested: Vec<&str> = encoding.keys().map(String::as_str).collect();
    nested.sort_unstable();
    assert_eq!(nested, ["expand", "line_items", "metadata"]);
    assert_eq!(encoding["metadata"]["style"], "deepObject");
    let customer = &doc["paths"]["/customers"]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]
        ["encoding"];
    assert_eq!(
        customer["metadata"],
        serde_json::json!({"style": "deepObject", "explode": true})
    );
    assert_eq!(
        customer["tags"],
        serde_json::json!({"style": "form", "explode": false})
    );
}
