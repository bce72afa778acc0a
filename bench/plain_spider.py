"""The baseline: a plain Scrapy spider that fetches every page and link of a
portal and stores nothing. Run with `scrapy runspider` outside the project,
so none of the project's settings, middlewares or pipelines apply."""

import json

import scrapy


class PlainSpider(scrapy.Spider):
    name = "plain"

    def __init__(self, start_url, stats_out, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.start_urls = [start_url]
        self.stats_out = stats_out
        self.allowed_netloc = start_url.split("/")[2]

    def parse(self, response):
        if not isinstance(response, scrapy.http.HtmlResponse):
            return
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href)
            if url.split("/")[2] == self.allowed_netloc:
                yield scrapy.Request(url, callback=self.parse)

    def closed(self, reason):
        with open(self.stats_out, "w") as handle:
            json.dump(self.crawler.stats.get_stats(), handle, default=str)
