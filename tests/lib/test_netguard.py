import pytest

from apps.lib.netguard import RefusedTarget, check_url

METADATA_SPELLINGS = [
    "http://169.254.169.254/latest/meta-data/",
    "http://2852039166/",  # decimal
    "http://0xA9FEA9FE/",  # hex
    "http://0xa9.0xfe.0xa9.0xfe/",  # dotted hex
    "http://0251.0376.0251.0376/",  # octal
    "http://169.254.43518/",  # short form
    "http://[::ffff:169.254.169.254]/",  # IPv4-mapped IPv6
    "http://[::ffff:a9fe:a9fe]/",  # the same, in hex
    "http://[fd00:ec2::254]/",  # AWS over IPv6
    "http://100.100.100.200/",  # Alibaba
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://169.254.1.1:8080/",  # any link-local
    "http://[fe80::1]/",
]


@pytest.mark.parametrize("url", METADATA_SPELLINGS)
def test_it_refuses_metadata_and_link_local_in_every_spelling(url):
    with pytest.raises(RefusedTarget):
        check_url(url)


@pytest.mark.parametrize(
    "url, reason",
    [
        ("ftp://mlflow.internal/", "must start with http:// or https://"),
        ("file:///etc/passwd", "must start with http:// or https://"),
        ("gopher://mlflow.internal:70/", "must start with http:// or https://"),
        ("http://admin:hunter2@mlflow.internal/", "use credential_env"),
        ("http:///path-only", "has no host"),
        ("http://mlflow.internal:99999/", "not a valid URL"),
    ],
)
def test_it_refuses_other_unsafe_urls_saying_why(url, reason):
    with pytest.raises(RefusedTarget, match=reason):
        check_url(url)


@pytest.mark.parametrize(
    "url", ["http://mlflow.internal:5000", "https://prefect.example.com/api", "http://10.1.2.3:8080", "http://mlflow:5000"]
)
def test_it_lets_ordinary_tool_urls_through(url):
    check_url(url)


@pytest.mark.parametrize("url", [
    "http://169.254.169.254./",  # a trailing dot
    "http://[2002:a9fe:a9fe::1]/",  # 6to4 carrying the metadata address
    "http://[2001:0:4136:e378:8000:63bf:5601:5601]/",  # Teredo carrying it
])
def test_it_sees_through_other_wrappings(url):
    with pytest.raises(RefusedTarget, match="metadata"):
        check_url(url)
