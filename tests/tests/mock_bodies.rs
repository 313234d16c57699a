//! The in-memory `MockTransport` with the new bodies: multipart forms are read into memory so
//! tests can inspect them, progress is reported, and streamed returns work.

mod support;

use std::sync::{Arc, Mutex};

use ferrofit::http::Method;
use ferrofit::testing::{MockReply, MockTransport};
use ferrofit::{ByteStream, Part, Progress, rest_api};
use futures_util::StreamExt;

#[rest_api]
trait Media {
    #[post("/media")]
    #[multipart]
    async fn upload(
        &self,
        #[part] title: &str,
        #[part] file: Part,
        #[progress] progress: &Progress,
    ) -> ferrofit::Result<()>;

    #[get("/media/<id>")]
    async fn fetch(&self, id: u32) -> ferrofit::Result<ByteStream>;
}

fn api(mock: &MockTransport) -> MediaClient {
    let client = support::mock_builder("http://media.test", mock)
        .build()
        .unwrap();
    MediaClient::new(client)
}

#[tokio::test]
async fn a_multipart_upload_is_recorded_as_its_encoded_bytes_with_progress() {
    let mock = MockTransport::new();
    mock.on(Method::POST, "/media")
        .reply(MockReply::status(201));
    let sent = Arc::new(Mutex::new(Vec::new()));
    let seen = sent.clone();
    let progress = Progress::new().on_upload(move |n, total| seen.lock().unwrap().push((n, total)));
    api(&mock)
        .upload("cat", Part::bytes("meow").file_name("cat.txt"), &progress)
        .await
        .unwrap();
    let request = mock.requests().pop().unwrap();
    let content_type = request.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap();
    let body = String::from_utf8(request.body().as_bytes().unwrap().to_vec()).unwrap();
    assert!(body.starts_with(&format!("--{boundary}\r\n")), "{body}");
    assert!(
        body.contains(
            "name=\"file\"; filename=\"cat.txt\"\r\nContent-Type: text/plain\r\n\r\nmeow\r\n"
        ),
        "{body}"
    );
    assert!(body.ends_with(&format!("--{boundary}--\r\n")));
    let len = body.len() as u64;
    assert_eq!(*sent.lock().unwrap(), [(len, Some(len))]);
}

#[tokio::test]
async fn a_streamed_return_gets_the_mocked_body() {
    let mock = MockTransport::new();
    mock.on(Method::GET, "/media/<id>")
        .reply(MockReply::status(200).body("frames"));
    let chunks: Vec<_> = api(&mock).fetch(7).await.unwrap().collect().await;
    assert_eq!(
        chunks
            .into_iter()
            .map(Result::unwrap)
            .collect::<Vec<_>>()
            .concat(),
        b"frames"
    );
}
