"""Creates a Firehose stream and an EventBridge pipe on a moto server from properties given as JSON
on stdin ({"stream": CreateDeliveryStream args, "pipe": CreatePipe args}), with boto3: botocore
validates every parameter against the service models first. Prints what DescribeDeliveryStream
and DescribePipe return (JSON). Usage: python3 archive_pipe_moto.py <endpoint-url>"""
import json
import sys

import boto3

url = sys.argv[1]
spec = json.load(sys.stdin)
session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="eu-west-1")
firehose = session.client("firehose", endpoint_url=url)
pipes = session.client("pipes", endpoint_url=url)

stream_arn = firehose.create_delivery_stream(**spec["stream"])["DeliveryStreamARN"]
stream = firehose.describe_delivery_stream(DeliveryStreamName=spec["stream"]["DeliveryStreamName"])["DeliveryStreamDescription"]
pipe_args = dict(spec["pipe"], Target=stream_arn)
pipes.create_pipe(**pipe_args)
pipe = pipes.describe_pipe(Name=spec["pipe"]["Name"])
for d in (stream, pipe):
    d.pop("ResponseMetadata", None)
print(json.dumps({"streamArn": stream_arn, "stream": stream, "pipe": pipe}, default=str))
