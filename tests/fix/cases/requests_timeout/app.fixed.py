"""Flask views calling remote services."""
import requests
from flask import Flask

from clients import fetch_profile

app = Flask(__name__)


@app.get("/weather/<city>")
def weather(city):
    reply = requests.get(f"https://weather.example.com/{city}", timeout=10)
    return reply.json()


@app.get("/profile/<int:user_id>")
def profile(user_id):
    return fetch_profile(user_id)


@app.post("/ping")
def ping():
    requests.post(
        "https://status.example.com/ping",
        json={"ok": True},
        timeout=10,
    )
    return {"pinged": True}


@app.get("/status")
def status():
    return requests.get("https://status.example.com/", timeout=3).json()
