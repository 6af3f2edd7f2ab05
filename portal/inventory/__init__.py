"""The data inventory: who we hold data about, what, where from, why, until when, given to whom."""
