//! A paginated endpoint in the OpenAPI export and the contract check is its page: the item
//! array where `items` says, the cursor beside it, and the query parameter later pages send.

use ferrofit::Pages;
use ferrofit::contract::{self, Spec};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize, JsonSchema)]
#[allow(dead_code)]
struct Event {
    id: i64,
    kind: String,
}

/// Only described here, never called.
#[ferrofit::rest_api]
#[allow(dead_code)]
trait Events {
    #[get("/events")]
    #[paginate(cursor = "meta.next", param = "after", items = "data")]
    async fn events(&self) -> ferrofit::Result<Pages<Event>>;

    #[get("/archive")]
    #[paginate(page = "page", size = "per_page")]
    async fn archive(&self, #[query] per_page: u32) -> ferrofit::Result<Pages<Event>>;
}

/// How such an API documents itself: a cursor page and a numbered list.
const PROVIDER: &str = r##"
openapi: 3.0.3
info: {title: events, version: "1"}
paths:
  /events:
    get:
      parameters:
        - {name: after, in: query, schema: {type: string}}
      responses:
        "200":
          description: one page
          content:
            application/json:
              schema:
                type: object
                required: [data]
                properties:
                  data: {type: array, items: {$ref: "#/components/schemas/Event"}}
                  meta:
                    type: object
                    properties:
                      next: {type: string, nullable: true}
  /archive:
    get:
      parameters:
        - {name: page, in: query, schema: {type: integer}}
        - {name: per_page, in: query, required: true, schema: {type: integer}}
      responses:
        "200":
          description: one page
          content:
            application/json:
              schema: {type: array, items: {$ref: "#/components/schemas/Event"}}
components:
  schemas:
    Event:
      type: object
      required: [id, kind]
      properties:
        id: {type: integer}
        kind: {type: string}
"##;

#[test]
fn the_export_describes_one_page_and_the_parameter_later_pages_send() {
    let document = EventsClient::openapi().into_json();
    let events = &document["paths"]["/events"]["get"];
    let schema = &events["responses"]["200"]["content"]["application/json"]["schema"];
    assert_eq!(schema["type"], "object", "{schema:#}");
    assert_eq!(schema["required"], json!(["data"]));
    assert_eq!(schema["properties"]["data"]["type"], "array");
    assert!(
        schema["properties"]["data"]["items"]["$ref"]
            .as_str()
            .is_some_and(|r| r.ends_with("/Event")),
        "{schema:#}"
    );
    assert!(schema["properties"]["meta"]["properties"]["next"].is_object());
    let params = events["parameters"].as_array().expect("parameters");
    assert_eq!(params.len(), 1, "{params:#?}");
    assert_eq!(params[0]["name"], "after");
    assert_eq!(params[0]["in"], "query");
    assert_eq!(params[0]["required"], false);

    let archive = &document["paths"]["/archive"]["get"];
    let names: Vec<&str> = archive["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["per_page", "page"]);
    let schema = &archive["responses"]["200"]["content"]["application/json"]["schema"];
    assert_eq!(
        schema["type"], "array",
        "a numbered page is the bare list: {schema:#}"
    );
}

#[test]
fn the_contract_check_compares_the_page_with_the_providers_page() {
    let spec = Spec::parse(PROVIDER).expect("the document parses");
    let report = contract::check::<EventsClient>(&spec);
    println!("{report}");
    report.assert_ok();
    assert_eq!(report.checked(), 2);
}

#[test]
fn a_provider_whose_page_is_shaped_otherwise_is_reported() {
    // The provider sends the items under `items`, not `data`: the trait would read nothing.
    let other = PROVIDER
        .replace("required: [data]", "required: [items]")
        .replace("data: {type: array", "items: {type: array");
    let spec = Spec::parse(&other).expect("the document parses");
    let report = contract::check::<EventsClient>(&spec);
    let shown = report.to_string();
    assert!(!report.is_ok(), "{shown}");
    assert!(shown.contains("events: reply.data"), "{shown}");
}
