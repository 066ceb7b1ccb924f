"""By-hand teaching models in NumPy (the perceptron, backpropagation on one example)."""
