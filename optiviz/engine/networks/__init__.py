"""Networks trained on data: the shape-bucketed MLP kernels, data sets, activations,
initializers, schedules and the Keras code and export."""
