"""The public web: views, forms, URLs, the sitemap."""
