"""Dramatiq broker set-up, imported by the workers."""
import dramatiq
from dramatiq.brokers.redis import RedisBroker

dramatiq.set_broker(RedisBroker())
