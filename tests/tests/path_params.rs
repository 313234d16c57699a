//! Path placeholders: binding, percent-encoding as one segment, pre-encoded values, and the
//! `.`/`..` guard.

mod support;

use ferrofit::{Error, rest_api};
use support::{Answer, CaptureServer, NO_CONTENT};

#[rest_api]
trait Files {
    #[get("/files/<name>")]
    async fn by_name(&self, name: &str) -> ferrofit::Result<()>;

    #[get("/users/{user_id}/files/<name>.json")]
    async fn nested(&self, user_id: u64, name: String) -> ferrofit::Result<()>;

    #[get("/raw/<rest>")]
    async fn raw(&self, #[path(encoded)] rest: &str) -> ferrofit::Result<()>;

    #[get("/renamed/<id>")]
    async fn renamed(&self, #[path("id")] user: &str) -> ferrofit::Result<()>;

    #[get("/kinds/<type>")]
    async fn raw_ident(&self, r#type: &str) -> ferrofit::Result<()>;
}

async fn server() -> (CaptureServer, FilesClient) {
    let server = CaptureServer::start(Answer::Full(NO_CONTENT)).await;
    let api = FilesClient::new(support::client(&format!("{}/api/", server.base_url)));
    (server, api)
}

#[tokio::test]
async fn reserved_characters_are_encoded_as_one_segment() {
    let (server, api) = server().await;
    let cases = [
        ("a/b", "/api/files/a%2Fb"),
        ("a?b", "/api/files/a%3Fb"),
        ("a#b", "/api/files/a%23b"),
        ("a%b", "/api/files/a%25b"),
        ("a b", "/api/files/a%20b"),
        ("ünï/çødé", "/api/files/%C3%BCn%C3%AF%2F%C3%A7%C3%B8d%C3%A9"),
        ("a+b&c=d", "/api/files/a+b&c=d"),
    ];
    for (value, expected) in cases {
        api.by_name(value).await.expect("request succeeds");
        assert_eq!(server.last().target, expected, "value {value:?}");
    }
}

#[tokio::test]
async fn placeholders_bind_by_name_in_both_styles() {
    let (server, api) = server().await;
    api.nested(7, "report".to_owned()).await.unwrap();
    assert_eq!(server.last().target, "/api/users/7/files/report.json");
    api.renamed("x y").await.unwrap();
    assert_eq!(server.last().target, "/api/renamed/x%20y");
    api.raw_ident("admin").await.unwrap();
    assert_eq!(server.last().target, "/api/kinds/admin");
}

#[tokio::test]
async fn encoded_path_values_pass_through() {
    let (server, api) = server().await;
    api.raw("dir/sub%2Fdir/file").await.unwrap();
    assert_eq!(server.last().target, "/api/raw/dir/sub%2Fdir/file");
}

#[tokio::test]
async fn dot_segments_are_rejected_before_sending() {
    let (server, api) = server().await;
    for value in [".", "..", "%2e%2e"] {
        let error = if value.starts_with('%') {
            api.raw(value).await.unwrap_err()
        } else {
            api.by_name(value).await.unwrap_err()
        };
        assert!(
            matches!(error, Error::InvalidRequest { .. }),
            "{value}: {error:?}"
        );
    }
    let error = api.raw("a/../admin").await.unwrap_err();
    assert!(error.to_string().contains("`..`"), "{error}");
    // `..` inside a longer segment is an ordinary name.
    api.by_name("..hidden").await.unwrap();
    assert_eq!(
        server.requests().len(),
        1,
        "no rejected request reached the server"
    );
}

#[tokio::test]
async fn paths_join_the_base_path_with_or_without_a_trailing_slash() {
    let server = CaptureServer::start(Answer::Full(NO_CONTENT)).await;
    for base in ["/api/", "/api", "/api//"] {
        let api = FilesClient::new(support::client(&format!("{}{base}", server.base_url)));
        api.by_name("x").await.unwrap();
        assert_eq!(server.last().target, "/api/files/x", "base path {base:?}");
    }
    let at_root = FilesClient::new(support::client(&server.base_url));
    at_root.by_name("x").await.unwrap();
    assert_eq!(server.last().target, "/files/x");
}
