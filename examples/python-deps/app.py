"""A Flask app that answers one request through its test client and prints the response."""
from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/")
def index():
    return jsonify(app="python-deps", items=sorted(["cache", "layers", "size"]))


if __name__ == "__main__":
    with app.test_client() as client:
        response = client.get("/")
        print(response.status_code, response.get_data(as_text=True).strip())
