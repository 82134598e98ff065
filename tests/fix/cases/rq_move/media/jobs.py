"""The RQ queue the workers listen on."""
from redis import Redis
from rq import Queue

queue = Queue("media", connection=Redis())
