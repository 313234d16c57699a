use ferrofit::Pages;

#[ferrofit::rest_api]
trait Api {
    #[get("/a")]
    #[paginate]
    async fn no_style(&self) -> ferrofit::Result<Pages<u32>>;

    #[get("/b")]
    #[paginate(next_link)]
    async fn unknown_style(&self) -> ferrofit::Result<Pages<u32>>;

    #[get("/c")]
    #[paginate(cursor = "next", items = "data")]
    async fn cursor_without_param(&self) -> ferrofit::Result<Pages<u32>>;

    #[get("/d")]
    #[paginate(cursor = "next", param = "after")]
    async fn cursor_without_items(&self) -> ferrofit::Result<Pages<u32>>;

    #[get("/e")]
    #[paginate(link, page = "page")]
    async fn two_styles(&self) -> ferrofit::Result<Pages<u32>>;

    #[get("/f")]
    #[paginate(offset = "offset", size = "per_page", param = "cursor")]
    async fn arguments_of_other_styles(&self) -> ferrofit::Result<Pages<u32>>;

    #[get("/g")]
    #[paginate(page = "")]
    async fn empty_name(&self) -> ferrofit::Result<Pages<u32>>;

    #[get("/h")]
    #[paginate(link)]
    #[paginate(link)]
    async fn twice(&self) -> ferrofit::Result<Pages<u32>>;

    #[post("/i")]
    #[paginate(link)]
    async fn not_a_get(&self) -> ferrofit::Result<Pages<u32>>;
}

fn main() {}
