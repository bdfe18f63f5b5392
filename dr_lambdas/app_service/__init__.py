"""The application tier's regional service (API Gateway, ALB and EventBridge handler)."""
