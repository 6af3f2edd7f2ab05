"""The request register: requests, policies, deadlines and the status machine."""
