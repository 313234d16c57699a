//! The contract check's rules on details real documents have: array bodies, headers a
//! document does not name, integer ranges, types it cannot check, vendor media types.

use ferrofit::contract::{self, Spec};
use ferrofit::rest_api;

fn spec(paths: &str) -> Spec {
    Spec::parse(&format!(
        "openapi: 3.0.3\ninfo: {{ title: T, version: \"1\" }}\npaths:\n{paths}"
    ))
    .expect("the test document parses")
}

#[rest_api]
#[allow(dead_code)]
// `&Vec` on purpose: each spelling of a sequence must be described as an array.
#[allow(clippy::ptr_arg)]
trait Labels {
    #[put("/labels")]
    async fn labels(&self, #[body] labels: &[&str]) -> ferrofit::Result<()>;

    #[put("/ids")]
    async fn ids(&self, #[body] ids: &Vec<u32>) -> ferrofit::Result<()>;
}

#[test]
fn an_array_body_is_not_taken_for_its_item_type() {
    let doc = spec(
        r#"
  /labels:
    put:
      requestBody: { required: true, content: { application/json: { schema: { type: string } } } }
      responses: { "204": { description: done } }
  /ids:
    put:
      requestBody: { required: true, content: { application/json: { schema: { type: array, items: { type: integer } } } } }
      responses: { "204": { description: done } }
"#,
    );
    let report = contract::check::<LabelsClient>(&doc);
    assert_eq!(report.of("labels").len(), 1, "{report}");
    assert!(report.of("labels")[0].contains("array"), "{report}");
    assert!(report.of("ids").is_empty(), "{report}");
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
#[allow(dead_code)]
struct Repo {
    id: u64,
    stars: u32,
    forks: i64,
}

/// Only `Deserialize`: the check cannot see its fields.
#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct Opaque {
    id: i64,
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
#[allow(dead_code)]
struct Customer {
    id: String,
    created: i64,
}

#[rest_api]
#[headers("X-GitHub-Api-Version: 2022-11-28")]
#[allow(dead_code)]
trait Repos {
    #[get("/repos/<id>")]
    async fn repo(
        &self,
        id: i64,
        #[header("X-Request-Id")] request: &str,
    ) -> ferrofit::Result<Repo>;

    #[get("/opaque/<id>")]
    async fn opaque(&self, id: i64) -> ferrofit::Result<Opaque>;

    #[delete("/customers/<id>")]
    async fn delete_customer(&self, id: &str) -> ferrofit::Result<Customer>;
}

const REPOS: &str = r##"
  /repos/{id}:
    get:
      parameters: [{ name: id, in: path, required: true, schema: { type: integer } }]
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [id, stars, forks]
                properties:
                  id: { type: integer }
                  stars: { type: integer, minimum: 0, maximum: 10000000000 }
                  forks: { type: integer, format: int32 }
  /opaque/{id}:
    get:
      parameters: [{ name: id, in: path, required: true, schema: { type: integer } }]
      responses:
        "200": { description: ok, content: { application/json: { schema: { type: object } } } }
  /customers/{id}:
    delete:
      parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                anyOf:
                  - type: object
                    required: [id, created]
                    properties: { id: { type: string }, created: { type: integer } }
                  - $ref: "#/components/schemas/deleted_customer"
components:
  schemas:
    deleted_customer:
      type: object
      required: [id, deleted]
      properties: { id: { type: string }, deleted: { type: boolean } }
"##;

#[test]
fn headers_the_document_does_not_name_are_notes_and_can_be_accepted() {
    let report = contract::check::<ReposClient>(&spec(REPOS));
    let notes = report.notes_of("repo");
    assert!(
        notes
            .iter()
            .any(|n| n.contains("header parameter `X-GitHub-Api-Version`")),
        "{report}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.contains("header parameter `X-Request-Id`")),
        "{report}"
    );
    assert!(
        !report.of("repo").iter().any(|m| m.contains("header")),
        "{report}"
    );
    let accepted = report.accept_header("x-github-api-version");
    assert_eq!(accepted.notes_of("repo").len(), 1, "{accepted}");
}

#[test]
fn the_export_keeps_header_names_as_written() {
    let doc = ReposClient::openapi().into_json();
    let names: Vec<&str> = doc["paths"]["/repos/{id}"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["in"] == "header")
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["X-GitHub-Api-Version", "X-Request-Id"]);
}

#[test]
fn integers_the_provider_may_send_must_fit_the_trait_type() {
    let report = contract::check::<ReposClient>(&spec(REPOS));
    let mismatches = report.of("repo");
    assert!(
        mismatches.iter().any(|m| m
            .starts_with("reply.id: the spec may send integers from -9223372036854775808")
            && m.contains("use a signed type")),
        "{report}"
    );
    assert!(
        mismatches.iter().any(|m| m
            .starts_with("reply.stars: the spec may send integers from 0 to 10000000000")
            && m.contains("wider type")),
        "{report}"
    );
    assert!(
        !mismatches.iter().any(|m| m.starts_with("reply.forks")),
        "an int32 fits an i64: {report}"
    );
}

#[test]
fn a_type_without_json_schema_is_not_checked_rather_than_ok() {
    let report = contract::check::<ReposClient>(&spec(REPOS));
    assert!(report.of("opaque").is_empty(), "{report}");
    assert!(
        report
            .unchecked()
            .iter()
            .any(|f| f.method() == "opaque" && f.problem().contains("Opaque")),
        "{report}"
    );
    assert!(
        report.to_string().contains("opaque: not checked: reply: `"),
        "{report}"
    );
    let strict = report.clone().accept("*", "").refuse_unchecked();
    assert!(!strict.is_ok(), "{strict}");
    assert!(report.accept("*", "").is_ok());
}

#[test]
fn every_branch_of_a_union_reply_must_decode() {
    let report = contract::check::<ReposClient>(&spec(REPOS));
    assert_eq!(
        report.of("delete_customer"),
        [
            "reply (branch `deleted_customer`).created: the trait needs it, but the spec's schema has no such field"
        ],
        "{report}"
    );
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
#[allow(dead_code)]
struct Content {
    name: String,
}

#[rest_api]
#[headers("Accept: application/vnd.github+json")]
#[allow(dead_code)]
trait Contents {
    #[get("/contents/<path>")]
    async fn content(&self, path: &str) -> ferrofit::Result<Content>;

    #[get("/raw/<path>")]
    #[headers("Accept: application/vnd.github.raw")]
    async fn raw(&self, path: &str) -> ferrofit::Result<String>;
}

#[test]
fn replies_are_looked_up_by_the_accept_the_trait_sends_and_json_by_its_suffix() {
    let doc = spec(
        r#"
  /contents/{path}:
    get:
      parameters: [{ name: path, in: path, required: true, schema: { type: string } }]
      responses:
        "200":
          description: ok
          content:
            application/json: { schema: { type: object, required: [name], properties: { name: { type: string } } } }
  /raw/{path}:
    get:
      parameters: [{ name: path, in: path, required: true, schema: { type: string } }]
      responses:
        "200":
          description: ok
          content:
            application/json: { schema: { type: object } }
"#,
    );
    let report = contract::check::<ContentsClient>(&doc);
    assert!(report.of("content").is_empty(), "{report}");
    assert_eq!(
        report.of("raw"),
        [
            "reply: the trait asks for application/vnd.github.raw, the spec's 200 reply is application/json"
        ],
        "{report}"
    );
}

/// Shapes from GitHub's and Stripe's documents: a comma-separated string, an array read
/// unexploded, `deepObject` parameters and a form body with `deepObject` encodings.
const STYLED: &str = r##"
  /issues:
    get:
      parameters:
        - { name: labels, in: query, schema: { type: string } }
        - { name: tags, in: query, explode: false, schema: { type: array, items: { type: string } } }
      responses: { "204": { description: done } }
  /v1/charges:
    get:
      parameters:
        - name: created
          in: query
          style: deepObject
          explode: true
          schema:
            anyOf:
              - type: object
                properties: { gt: { type: integer }, gte: { type: integer }, lt: { type: integer } }
              - type: integer
        - { name: expand, in: query, style: deepObject, explode: true, schema: { type: array, items: { type: string, maxLength: 5000 } } }
      responses: { "204": { description: done } }
  /v1/customers:
    post:
      requestBody:
        content:
          application/x-www-form-urlencoded:
            encoding:
              address: { style: deepObject, explode: true }
              metadata: { style: deepObject, explode: true }
            schema:
              type: object
              additionalProperties: false
              properties:
                email: { type: string }
                address:
                  type: object
                  required: [line1]
                  properties: { line1: { type: string }, city: { type: string } }
                metadata: { type: object, additionalProperties: { type: string } }
      responses: { "204": { description: done } }
"##;

#[derive(serde::Serialize, schemars::JsonSchema)]
#[allow(dead_code)]
struct Bounds {
    gte: Option<i64>,
    lt: Option<i64>,
}

#[rest_api]
#[allow(dead_code)]
trait Styled {
    #[get("/issues")]
    async fn joined(
        &self,
        #[query(explode = false)] labels: &[&str],
        #[query(explode = false)] tags: &[&str],
    ) -> ferrofit::Result<()>;

    #[get("/issues")]
    async fn repeated(
        &self,
        #[query] labels: &[&str],
        #[query] tags: &[&str],
    ) -> ferrofit::Result<()>;

    #[get("/v1/charges")]
    async fn by_hand(
        &self,
        #[query("created[gte]")] since: Option<i64>,
        #[query("expand[]")] expand: &[&str],
    ) -> ferrofit::Result<()>;

    #[get("/v1/charges")]
    async fn deep(
        &self,
        #[query(style = "deepObject")] created: &Bounds,
        #[query("created[gt3]")] typo: Option<i64>,
    ) -> ferrofit::Result<()>;

    #[post("/v1/customers")]
    #[form]
    async fn create_customer(
        &self,
        #[field] email: &str,
        #[field("address[line1]")] line1: &str,
        #[field(style = "deepObject")] metadata: &std::collections::BTreeMap<String, String>,
    ) -> ferrofit::Result<()>;

    #[post("/v1/customers")]
    #[form]
    async fn wrong_customer(
        &self,
        #[field("address[city]")] city: &str,
        #[field("address[zip]")] zip: &str,
    ) -> ferrofit::Result<()>;
}

#[test]
fn styles_and_bracketed_names_are_read_as_the_document_means_them() {
    let report = contract::check::<StyledClient>(&spec(STYLED));
    assert!(report.of("joined").is_empty(), "{report}");
    assert_eq!(
        report.of("repeated"),
        [
            "query parameter `labels`: the trait sends array, the spec expects string",
            "query parameter `tags`: the spec takes style `form` with explode false, the trait sends style `form` with explode true",
        ],
        "{report}"
    );
    assert!(report.of("by_hand").is_empty(), "{report}");
    assert_eq!(
        report.of("deep"),
        ["query parameter `created[gt3]`: the spec's `created` has no `[gt3]`"],
        "{report}"
    );
    assert!(report.of("create_customer").is_empty(), "{report}");
    assert_eq!(
        report.of("wrong_customer"),
        [
            "body.address: the spec requires field `line1`, which the trait's type does not have",
            "body.address.zip: the trait sends it, but the spec's schema has no such field",
        ],
        "{report}"
    );
}

#[rest_api]
#[headers("Accept: application/json")]
#[allow(dead_code)]
trait AsksJsonReadsText {
    #[get("/slow")]
    async fn slow(&self) -> ferrofit::Result<String>;
}

#[test]
fn a_trait_wide_accept_on_a_method_that_reads_text_agrees_with_its_own_export() {
    let spec = Spec::from_json(AsksJsonReadsTextClient::openapi().into_json()).unwrap();
    contract::check::<AsksJsonReadsTextClient>(&spec).assert_ok();
}
