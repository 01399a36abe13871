import six
print("app", six.PY3)
