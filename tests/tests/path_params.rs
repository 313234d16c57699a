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

    #[delete("/items/<id>")]
    async fn delete_item(&self, id: &str) -> ferrofit::Result<()>;

    #[get("/foo/bar/<ping>/")]
    async fn trailing(&self, ping: &str) -> ferrofit::Result<()>;

    #[get("/foo/bar/<ping>/")]
    async fn trailing_encoded(&self, #[path(encoded)] ping: &str) -> ferrofit::Result<()>;

    #[get("/users/<a><b>/posts")]
    async fn two_in_one_segment(&self, a: &str, b: &str) -> ferrofit::Result<()>;

    #[get("/files/file-<n>.txt")]
    async fn inside_a_segment(&self, n: &str) -> ferrofit::Result<()>;
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
        ("a+b&c=d", "/api/files/a%2Bb%26c%3Dd"),
        ("Smith, John", "/api/files/Smith%2C%20John"),
        (
            "a;b=c:d@e!f$g'h(i)j*k",
            "/api/files/a%3Bb%3Dc%3Ad%40e%21f%24g%27h%28i%29j%2Ak",
        ),
        ("-._~", "/api/files/-._~"),
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

#[tokio::test]
async fn an_empty_value_for_a_whole_segment_is_refused() {
    let (server, api) = server().await;
    let refusals = [
        api.delete_item("").await.unwrap_err(),
        api.trailing("").await.unwrap_err(),
        api.trailing_encoded("").await.unwrap_err(),
        api.by_name("").await.unwrap_err(),
        api.two_in_one_segment("", "").await.unwrap_err(),
    ];
    for error in refusals {
        assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");
        assert!(error.to_string().contains("empty"), "{error}");
    }
    assert!(server.requests().is_empty(), "nothing was sent");

    // Inside a segment, or with a neighbour that fills the segment, empty is fine.
    api.inside_a_segment("").await.unwrap();
    assert_eq!(server.last().target, "/api/files/file-.txt");
    api.two_in_one_segment("", "x").await.unwrap();
    assert_eq!(server.last().target, "/api/users/x/posts");
}

#[tokio::test]
async fn backslashes_cannot_traverse_in_encoded_values() {
    let (server, api) = server().await;
    api.trailing_encoded(r"x\..\..\admin").await.unwrap();
    assert_eq!(server.last().target, "/api/foo/bar/x%5C..%5C..%5Cadmin/");
    api.by_name(r"..\admin").await.unwrap();
    assert_eq!(server.last().target, "/api/files/..%5Cadmin");
    // Whatever the value, what is sent is the path that was built: `.`/`..` never resolve.
    for value in ["..", "a/./b", "%2E%2e/x", "x/%2e"] {
        let error = api.trailing_encoded(value).await.unwrap_err();
        assert!(
            matches!(error, Error::InvalidRequest { .. }),
            "{value}: {error:?}"
        );
    }
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn characters_the_url_parser_would_change_are_encoded_in_encoded_values() {
    let (server, api) = server().await;
    api.raw("a`b{c}d\"e<f>g h").await.unwrap();
    assert_eq!(
        server.last().target,
        "/api/raw/a%60b%7Bc%7Dd%22e%3Cf%3Eg%20h"
    );
}
