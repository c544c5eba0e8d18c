"""Chinese text handling: search normalisation and jieba segmentation, both offset-preserving."""
