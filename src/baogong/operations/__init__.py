"""Operations: the service day's steps run in order, over the domains' flows."""
