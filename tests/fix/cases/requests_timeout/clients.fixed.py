"""HTTP clients shared by the views."""
import requests

session = requests.Session()


def fetch_profile(user_id: int) -> dict:
    reply = session.get(f"https://users.example.com/{user_id}", headers={"Accept": "application/json"}, timeout=10)
    return reply.json()
