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
