use ferrofit::{Progress, rest_api};

#[rest_api]
trait Api {
    #[put("/files/<name>")]
    async fn two_observers(
        &self,
        name: &str,
        #[body] data: ferrofit::Body,
        #[progress] up: &Progress,
        #[progress] down: &Progress,
    ) -> ferrofit::Result<()>;
}

fn main() {}
