"""The bundled sample city: Guangzhou's Baiyun district (440111), generated from a seed."""
