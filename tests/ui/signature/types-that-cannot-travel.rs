//! Types a call cannot send or read are reported at the user's type, in terms of what to do,
//! without naming the runtime's private paths.

use ferrofit::{Part, rest_api};

/// Neither `Serialize` nor `Deserialize`.
struct Plain;

/// No `From<ferrofit::Error>`.
struct MyError;

type MyResult<T> = Result<T, MyError>;

#[rest_api]
trait Api {
    #[get("/plain")]
    async fn reply_not_deserialize(&self) -> ferrofit::Result<Plain>;

    #[get("/plain")]
    async fn error_without_from(&self) -> Result<(), MyError>;

    #[get("/plain")]
    async fn alias_error_without_from(&self) -> MyResult<String>;

    #[post("/plain")]
    async fn body_not_serialize(&self, #[body] plain: &Plain) -> ferrofit::Result<()>;

    #[post("/plain")]
    #[multipart]
    async fn part_not_serialize(&self, #[part] file: Part, #[part] plain: Plain) -> ferrofit::Result<()>;
}

fn main() {}
