ALTER TABLE "stock_data" DROP CONSTRAINT "stock_data_date_id_date_mapping_date_id_fk";
