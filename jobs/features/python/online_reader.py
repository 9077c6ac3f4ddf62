"""Reading feature vectors from ElastiCache (Valkey/Redis, cluster mode, TLS, IAM auth) in model
code, with redis-py >= 5 and botocore. See docs/features.md.

    reader = OnlineFeatureReader(view, host="clustercfg.<id>.<hash>.euw1.cache.amazonaws.com",
                                 cache_name="<replication group id>", user="<env>-features-reader",
                                 region="eu-west-1")
    vectors = reader.get_many(["A-1029384", "A-77"])           # as of now
    vectors = reader.get_many(["A-1029384"], as_of_ms=1764417600000)
"""

import time
from urllib.parse import ParseResult, urlencode, urlunparse

from feature_vector import compute_vector, decode, online_key, read_span_ms


class ElastiCacheIAMProvider:
    """A redis-py credential provider: a fresh IAM auth token (a SigV4-presigned `connect` request,
    valid 15 minutes) on every (re)connect, signed with the pod's/endpoint's own role."""

    def __init__(self, user, cache_name, region, serverless=False):
        import botocore.session
        from botocore.model import ServiceId
        from botocore.signers import RequestSigner

        session = botocore.session.get_session()
        self.user, self.cache_name, self.region, self.serverless = user, cache_name, region, serverless
        self.signer = RequestSigner(
            ServiceId("elasticache"), region, "elasticache", "v4", session.get_credentials(), session.get_component("event_emitter")
        )

    def get_credentials(self):
        params = {"Action": "connect", "User": self.user}
        if self.serverless:
            params["ResourceType"] = "ServerlessCache"
        url = urlunparse(ParseResult(scheme="https", netloc=self.cache_name, path="/", query=urlencode(params), params="", fragment=""))
        signed = self.signer.generate_presigned_url(
            {"method": "GET", "url": url, "body": {}, "headers": {}, "context": {}},
            operation_name="connect",
            expires_in=900,
            region_name=self.region,
        )
        return self.user, signed.removeprefix("https://")


class OnlineFeatureReader:
    """Batch get of feature vectors by entity, as of a time, for one feature view (its .view.json)."""

    def __init__(self, view, host, cache_name, user, region, port=6379):
        import redis
        from redis.cluster import RedisCluster

        provider = ElastiCacheIAMProvider(user, cache_name, region)

        class _Provider(redis.CredentialProvider):
            def get_credentials(self):
                return provider.get_credentials()

        self.view = view
        self.span = read_span_ms(view)
        self.client = RedisCluster(host=host, port=port, ssl=True, credential_provider=_Provider(), decode_responses=True)

    def get_many(self, entities, as_of_ms=None):
        """{entity: {feature: value}}; entity is a key value, or a tuple of them for multi-key views."""
        t = int(time.time() * 1000) if as_of_ms is None else as_of_ms
        pipe = self.client.pipeline()
        for e in entities:
            values = e if isinstance(e, tuple) else (e,)
            pipe.zrangebyscore(online_key(self.view, values), "(%d" % (t - self.span), t, withscores=True)
        out = {}
        for e, pairs in zip(entities, pipe.execute()):
            flat = [x for member, score in pairs for x in (member, score)]
            out[e] = compute_vector(self.view, decode(self.view, flat), t)
        return out
