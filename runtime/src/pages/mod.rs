//! Pagination: [`Pages`], a list endpoint read page after page as one stream of items, as
//! its `#[paginate(..)]` says the API pages.

mod decode;
mod link;
#[cfg(feature = "openapi")]
mod schema;
mod style;

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_util::Stream;
use serde::de::DeserializeOwned;

use crate::__private::exchange;
use crate::BoxFuture;
use crate::client::Client;
use crate::codec::{FromReply, ReplyContext};
use crate::error::{Error, Result};
use crate::redact::Redactor;
use crate::request::Request;
use crate::response::{Received, Response};
use decode::decode_page;
use style::Position;
#[cfg(feature = "testing")]
pub(crate) use style::path_keys;
pub use style::{PageStyle, Pagination};

/// The items of a paginated list endpoint (`#[paginate(..)]`), page after page, as one
/// `Stream` of `Result<T>`.
///
/// Awaiting the endpoint fetches the first page, so a 401 or a 404 is the call's error. Each
/// later page is fetched when the stream is polled past the items before it, never ahead,
/// through the client's interceptors (auth, retry, cache, log) and under the call's
/// `#[cancel]` token, like any call. A page that fails ends the stream with its error.
///
/// Where the next page is comes from the endpoint's `#[paginate(..)]`: a `Link` header, a
/// cursor in the reply, a page number or an offset (see [`PageStyle`]). A `next` link must be
/// http(s); one to another origin gets no credentials (the client's, and headers its redactor
/// calls secret); one to a page already fetched, or a cursor already followed, ends the
/// stream with [`Error::Paging`] instead of looping.
///
/// # Examples
///
/// ```
/// use futures_util::TryStreamExt;
///
/// #[derive(serde::Deserialize)]
/// struct Issue { number: u64, title: String }
///
/// #[ferrofit::rest_api]
/// trait Issues {
///     #[get("/repos/<owner>/<repo>/issues")]
///     #[paginate(link)]
///     async fn issues(&self, owner: &str, repo: &str, #[query] per_page: u32) -> ferrofit::Result<ferrofit::Pages<Issue>>;
/// }
///
/// # async fn run(api: IssuesClient) -> ferrofit::Result<()> {
/// let mut issues = api.issues("rust-lang", "rust", 100).await?.max_items(250);
/// while let Some(issue) = issues.try_next().await? {
///     println!("#{} {}", issue.number, issue.title);
/// }
/// # Ok(()) }
/// ```
pub struct Pages<T> {
    pager: Pager<T>,
    items: std::vec::IntoIter<T>,
    items_left: Option<usize>,
}

/// The pages of a [`Pages`] list whole, each with its status, headers and URL:
/// [`Pages::into_pages`].
///
/// # Examples
///
/// ```
/// use futures_util::TryStreamExt;
///
/// # async fn run(pages: ferrofit::Pages<String>) -> ferrofit::Result<()> {
/// let mut pages = pages.into_pages();
/// while let Some(page) = pages.try_next().await? {
///     println!("{} items, {:?} left in the rate limit", page.len(), page.headers().get("x-ratelimit-remaining"));
/// }
/// # Ok(()) }
/// ```
pub struct PageStream<T> {
    pager: Pager<T>,
}

/// Fetches page after page.
struct Pager<T> {
    client: Client,
    pagination: Pagination,
    position: Position,
    /// A page that arrived and was not handed out yet (the first one, at the start).
    ready: Option<Response<Vec<T>>>,
    after: After,
    fetching: Option<BoxFuture<'static, Result<Fetched<T>>>>,
    /// The status, headers and URL of the last page that arrived.
    last: Response<()>,
    pages_left: Option<usize>,
}

/// What comes after the page that arrived last.
enum After {
    Fetch(Request),
    Fail(Error),
    End,
}

/// A page, with the request that asked for it and the cursor it names.
struct Fetched<T> {
    request: Request,
    page: Response<Vec<T>>,
    cursor: Option<String>,
}

impl<T: DeserializeOwned + Send + 'static> Pages<T> {
    /// This list, fetching at most `pages` pages, the first included: the stream ends after
    /// them even when the server names another.
    #[must_use]
    pub fn max_pages(mut self, pages: usize) -> Self {
        // The first page is already here.
        self.pager.pages_left = Some(pages.saturating_sub(1));
        if pages == 0 {
            self.items = Vec::new().into_iter();
            self.items_left = Some(0);
        }
        self
    }

    /// This list, ending after `items` items; no page past the one that holds the last of
    /// them is fetched.
    #[must_use]
    pub fn max_items(mut self, items: usize) -> Self {
        self.items_left = Some(items);
        self
    }

    /// The status, headers and URL of the page that arrived last: rate limits, totals.
    pub fn response(&self) -> &Response<()> {
        &self.pager.last
    }

    /// Every item, fetching every page.
    ///
    /// # Errors
    ///
    /// The first page's error after the first: the items before it are dropped.
    pub async fn try_collect(mut self) -> Result<Vec<T>> {
        let mut all = Vec::new();
        while let Some(item) = std::future::poll_fn(|cx| Pin::new(&mut self).poll_next(cx)).await {
            all.push(item?);
        }
        Ok(all)
    }

    /// The pages whole, each a [`Response`] of its items. Items of the current page that
    /// were not read yet come first, as a page of their own.
    pub fn into_pages(self) -> PageStream<T> {
        let mut pager = self.pager;
        let rest: Vec<T> = self.items.collect();
        if !rest.is_empty() && pager.ready.is_none() {
            pager.ready = Some(pager.last.clone().map(|()| rest));
        }
        PageStream { pager }
    }
}

impl<T: DeserializeOwned + Send + 'static> Pager<T> {
    fn poll_page(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Response<Vec<T>>>>> {
        if let Some(page) = self.ready.take() {
            return Poll::Ready(Some(Ok(page)));
        }
        loop {
            if let Some(fetching) = &mut self.fetching {
                let fetched = ready!(fetching.as_mut().poll(cx));
                self.fetching = None;
                return Poll::Ready(Some(fetched.map(|fetched| self.arrived(fetched))));
            }
            match std::mem::replace(&mut self.after, After::End) {
                After::End => return Poll::Ready(None),
                After::Fail(error) => return Poll::Ready(Some(Err(error))),
                After::Fetch(_) if self.pages_left == Some(0) => return Poll::Ready(None),
                After::Fetch(request) => {
                    if let Some(left) = &mut self.pages_left {
                        *left -= 1;
                    }
                    let client = self.client.clone();
                    let pagination = self.pagination;
                    self.fetching = Some(Box::pin(fetch(client, request, pagination)));
                }
            }
        }
    }

    /// Takes in a page: where the next one is, and the page to hand out.
    fn arrived(&mut self, fetched: Fetched<T>) -> Response<Vec<T>> {
        let Fetched {
            request,
            page,
            cursor,
        } = fetched;
        self.after =
            match self
                .position
                .next(&request, page.url(), page.headers(), page.len(), cursor)
            {
                Ok(Some(next)) => After::Fetch(next),
                Ok(None) => After::End,
                Err(error) => After::Fail(error),
            };
        let (head, items) = page.split();
        self.last = head.clone();
        head.map(|()| items)
    }
}

/// Sends a page's request and reads the page.
async fn fetch<T: DeserializeOwned>(
    client: Client,
    request: Request,
    pagination: Pagination,
) -> Result<Fetched<T>> {
    let template = request.clone();
    let response = exchange(&client, request).await?;
    let response = response.buffered(client.max_response_size()).await?;
    let (head, body) = response.split();
    let (items, cursor) = decode_page(head.status(), body, pagination, client.redactor())?;
    Ok(Fetched {
        request: template,
        page: head.map(|()| items),
        cursor,
    })
}

impl<T: DeserializeOwned + Send + 'static> Stream for Pages<T> {
    type Item = Result<T>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if this.items_left == Some(0) {
                return Poll::Ready(None);
            }
            if let Some(item) = this.items.next() {
                if let Some(left) = &mut this.items_left {
                    *left -= 1;
                }
                return Poll::Ready(Some(Ok(item)));
            }
            match ready!(this.pager.poll_page(cx)) {
                Some(Ok(page)) => this.items = page.into_inner().into_iter(),
                Some(Err(error)) => return Poll::Ready(Some(Err(error))),
                None => return Poll::Ready(None),
            }
        }
    }
}

impl<T: DeserializeOwned + Send + 'static> Stream for PageStream<T> {
    type Item = Result<Response<Vec<T>>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().pager.poll_page(cx)
    }
}

// Neither stream pins what it holds: the page being fetched is boxed.
impl<T> Unpin for Pages<T> {}
impl<T> Unpin for PageStream<T> {}

impl<T> std::fmt::Debug for Pages<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages")
            .field("pagination", &self.pager.pagination)
            .field("last_page", &self.pager.last.url().as_str())
            .finish_non_exhaustive()
    }
}

impl<T: DeserializeOwned + Send + 'static> FromReply for Pages<T> {
    const STREAM: bool = false;
    const REPLAYS: bool = true;
    const PAGES: bool = true;

    fn from_body(_: http::StatusCode, _: Received, _: &Redactor) -> Result<Self> {
        Err(Error::invalid_request(
            "internal: pages are read from the whole response",
        ))
    }

    fn from_reply(response: Response<Received>, call: &mut ReplyContext) -> Result<Self> {
        let request = call
            .request
            .take()
            .ok_or_else(|| Error::invalid_request("internal: pages need their request"))?;
        let pagination = request
            .endpoint()
            .and_then(|endpoint| endpoint.pagination().copied())
            .ok_or_else(|| {
                Error::invalid_request(
                    "`Pages<T>` is the reply of an endpoint with `#[paginate(..)]`",
                )
            })?;
        let (head, body) = response.split();
        let Received::Bytes(body) = body else {
            return Err(Error::invalid_request(
                "internal: pages are read from the whole response",
            ));
        };
        let (items, cursor) = decode_page(head.status(), body, pagination, call.client.redactor())?;
        let mut pager = Pager {
            client: call.client.clone(),
            pagination,
            position: Position::new(pagination, &request),
            ready: None,
            after: After::End,
            fetching: None,
            last: head.clone(),
            pages_left: None,
        };
        let first = pager.arrived(Fetched {
            request,
            page: head.map(|()| items),
            cursor,
        });
        Ok(Self {
            pager,
            items: first.into_inner().into_iter(),
            items_left: None,
        })
    }

    #[cfg(feature = "openapi")]
    fn describe(
        schemas: &mut crate::openapi::Schemas,
        json: impl FnOnce(&mut crate::openapi::Schemas) -> serde_json::Value,
    ) -> Option<(&'static str, serde_json::Value)> {
        // `json` is the schema of the items (`Pages<T>` is described as `Vec<T>`); the
        // endpoint's description puts it in the page's shape, as it knows the pagination.
        Some(("application/json", json(schemas)))
    }
}

/// The reply types `#[paginate(..)]` accepts: generated code names the endpoint's type
/// through it, so another type is reported at the return type.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`#[paginate]` needs the endpoint to return `ferrofit::Pages<T>`, not `{Self}`",
    label = "a paginated endpoint returns `Pages<Item>`",
    note = "`Pages<T>` is a stream of the items of every page: `ferrofit::Result<ferrofit::Pages<Issue>>`"
)]
pub trait Paginated {
    /// The item type, whose schema the OpenAPI export shows in the page.
    type Item;
}

impl<T> Paginated for Pages<T> {
    type Item = T;
}

/// `pagination`, once the type checker has seen that `T` is pages.
#[doc(hidden)]
pub const fn paginated<T: Paginated>(pagination: Pagination) -> Pagination {
    pagination
}

/// The schema of one page of `pagination` holding the item array `items`.
#[cfg(feature = "openapi")]
pub(crate) fn page_shape(pagination: &Pagination, items: serde_json::Value) -> serde_json::Value {
    schema::page_schema(pagination, items)
}
