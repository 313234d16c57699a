use ferrofit::rest_api;

#[rest_api]
trait Api {
    #[get("/a")]
    async fn unknown_style(&self, #[query(style = "matrix")] ids: &[u32]) -> ferrofit::Result<()>;

    #[get("/b")]
    async fn deep_not_exploded(
        &self,
        #[query(style = "deepObject", explode = false)] filter: &std::collections::BTreeMap<String, String>,
    ) -> ferrofit::Result<()>;

    #[get("/c")]
    async fn delimited_exploded(
        &self,
        #[query(style = "pipeDelimited", explode = true)] ids: &[u32],
    ) -> ferrofit::Result<()>;

    #[get("/d")]
    async fn encoded_and_styled(&self, #[query(encoded, explode = false)] ids: &[u32]) -> ferrofit::Result<()>;

    #[get("/e/<id>")]
    async fn style_on_a_path(&self, #[path(style = "deepObject")] id: u32) -> ferrofit::Result<()>;

    #[get("/f")]
    async fn explode_on_a_header(&self, #[header("X-Ids", explode = false)] ids: &[u32]) -> ferrofit::Result<()>;

    #[get("/g")]
    async fn delimited_map(
        &self,
        #[query_map(style = "pipeDelimited")] filter: &std::collections::BTreeMap<String, String>,
    ) -> ferrofit::Result<()>;

    #[get("/h")]
    async fn map_not_exploded(
        &self,
        #[query_map(explode = false)] filter: &std::collections::BTreeMap<String, String>,
    ) -> ferrofit::Result<()>;

    #[post("/i")]
    #[form]
    async fn named_map(
        &self,
        #[field_map("meta", style = "deepObject")] meta: &std::collections::BTreeMap<String, String>,
    ) -> ferrofit::Result<()>;

    #[get("/j")]
    async fn style_without_quotes(&self, #[query(style = deepObject)] ids: &[u32]) -> ferrofit::Result<()>;
}

fn main() {}
